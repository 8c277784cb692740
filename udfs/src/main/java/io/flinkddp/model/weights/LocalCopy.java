package io.flinkddp.model.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.fs.local.LocalFileSystem;

/**
 * A file of any URI Flink's file systems read, as a local file for {@link java.util.zip.ZipFile}
 * (torch writes stored zip entries with data descriptors, which {@code ZipInputStream} refuses, so the
 * central directory is needed). In: the URI, or a stream. Out: {@link #file}, the file itself when it is
 * local, else a temporary copy, which {@link #close} deletes.
 */
final class LocalCopy implements AutoCloseable {

    private final java.nio.file.Path file;
    private final boolean temporary;

    private LocalCopy(java.nio.file.Path file, boolean temporary) {
        this.file = file;
        this.temporary = temporary;
    }

    static LocalCopy of(Path path) throws IOException {
        FileSystem fs = path.getFileSystem();
        if (fs instanceof LocalFileSystem local) {
            return new LocalCopy(local.pathToFile(path).toPath(), false);
        }
        try (FSDataInputStream in = fs.open(path)) {
            return of(in);
        }
    }

    /** Copies {@code in} (not closed) to a temporary file. */
    static LocalCopy of(InputStream in) throws IOException {
        java.nio.file.Path copy = Files.createTempFile("weights-", ".zip");
        try {
            Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
            return new LocalCopy(copy, true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(copy);
            throw e;
        }
    }

    java.nio.file.Path file() {
        return file;
    }

    @Override
    public void close() throws IOException {
        if (temporary) {
            Files.deleteIfExists(file);
        }
    }
}
