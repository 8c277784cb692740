package io.flinkddp.output;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.flinkddp.config.RunFiles;
import io.flinkddp.data.ClassLabels;
import io.flinkddp.train.EpochMetrics;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

/**
 * Writes a run's files under the output directory through Flink's {@link FileSystem} (file://, s3://,
 * hdfs://). Every file is written to a hidden temporary name and then renamed, so a reader sees
 * either the whole file or none. {@code summary.json} (or a command's own result file) is written
 * next to last and marks a finished run; {@link #writeLast} then writes the empty {@code _SUCCESS}, the
 * very last object, which tells a scheduler's sensor that every output is in place.
 */
public final class RunOutputs {


    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectMapper JSON_LINE = new ObjectMapper();

    private final Path directory;

    public RunOutputs(String directory) {
        this.directory = new Path(directory);
    }

    /** {@code labels.txt}: "label TAB folder" per class folder, by label ({@link ClassLabels#labelLines}). */
    public void writeLabels(ClassLabels classes) {
        String text = classes.labelLines();
        writeAtomically(RunFiles.LABELS, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    public void writeMetrics(List<EpochMetrics> history) {
        StringBuilder text = new StringBuilder();
        for (EpochMetrics metrics : history) {
            text.append(toJsonLine(metrics.asJson())).append('\n');
        }
        writeAtomically(RunFiles.METRICS, out -> out.write(text.toString().getBytes(StandardCharsets.UTF_8)));
    }

    public void writeModel(ComputationGraph net) {
        writeAtomically(RunFiles.MODEL, out -> ModelSerializer.writeModel(net, out, false));
    }

    public void writeSummary(Map<String, Object> summary) {
        writeJson(RunFiles.SUMMARY, summary);
    }

    /** Writes {@code value} as indented JSON to {@code name}, atomically. */
    public void writeJson(String name, Object value) {
        writeAtomically(name, out -> JSON.writeValue(out, value));
    }

    /**
     * Writes {@code name} as indented JSON, atomically, and only then the empty {@code _SUCCESS}: a
     * command's last two writes. If the first fails, {@code _SUCCESS} is not written.
     */
    public void writeLast(String name, Object value) {
        writeJson(name, value);
        writeAtomically(RunFiles.SUCCESS, out -> { });
    }

    /**
     * Deletes a finished run's {@code _SUCCESS}, then its summary.json, so that the run counts as
     * unfinished again (it goes on training).
     */
    public void reopen() {
        for (String name : List.of(RunFiles.SUCCESS, RunFiles.SUMMARY)) {
            Path file = new Path(directory, name);
            try {
                file.getFileSystem().delete(file, false);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete " + file + ": " + e.getMessage(), e);
            }
        }
    }

    /** True when the directory already holds a finished run (its summary.json). */
    public boolean holdsFinishedRun() {
        return holds(RunFiles.SUMMARY);
    }

    /** True when the directory holds a file {@code name}. */
    public boolean holds(String name) {
        try {
            Path file = new Path(directory, name);
            return file.getFileSystem().exists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check output directory " + directory + ": " + e.getMessage(), e);
        }
    }

    private static String toJsonLine(Object value) {
        try {
            return JSON_LINE.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes {@code name} completely under a hidden temporary name, then renames it into place. A file
     * it replaces is deleted just before the rename (object stores refuse to rename over one), so a
     * reader may briefly find no file, but never a partial one. On failure the temporary file is removed.
     */
    public void writeAtomically(String name, Writer writer) {
        Path target = new Path(directory, name);
        Path temporary = new Path(directory, "." + name + ".inprogress-" + UUID.randomUUID());
        FileSystem fs = null;
        try {
            fs = target.getFileSystem();
            fs.mkdirs(directory);
            try (OutputStream out = fs.create(temporary, FileSystem.WriteMode.OVERWRITE)) {
                writer.write(out);
            }
            if (fs.exists(target)) {
                fs.delete(target, false);
            }
            if (!fs.rename(temporary, target)) {
                throw new IOException("rename of " + temporary + " to " + target + " failed");
            }
        } catch (IOException e) {
            deleteQuietly(fs, temporary);
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    private static void deleteQuietly(FileSystem fs, Path path) {
        try {
            if (fs != null) {
                fs.delete(path, false);
            }
        } catch (IOException ignored) {
            // the write already failed; that error is the one to report
        }
    }

    /** Writes a file's content to the stream it is given (which the caller closes). */
    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }
}
