package io.flinkddp.data;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * The class folders directly below an image-set root, sorted by name: their index is the class index
 * (as torchvision's ImageFolder), unless a {@code --class-index} labels them ({@link ClassLabels}). This is the only listing the client does; images are listed on the
 * TaskManagers, one class folder at a time ({@link #listImages}). Hidden folders (starting with . or _) are not classes.
 */
public final class ClassFolders {

    private ClassFolders() {
    }

    public static List<String> list(String root) throws IOException {
        Path path = new Path(root);
        FileSystem fs = path.getFileSystem();
        FileStatus[] entries;
        try {
            entries = fs.listStatus(path);
        } catch (FileNotFoundException e) {
            entries = null;
        }
        if (entries == null) {
            throw new InvalidDataException("--data " + root + ": no such directory");
        }
        List<String> names = new ArrayList<>();
        for (FileStatus entry : entries) {
            String name = entry.getPath().getName();
            if (entry.isDir() && !name.startsWith(".") && !name.startsWith("_")) {
                names.add(name);
            }
        }
        if (names.isEmpty()) {
            throw new InvalidDataException("--data " + root + " has no class folders: expected one folder per class, "
                    + "e.g. " + root + "/n02085620-Chihuahua/image.jpg");
        }
        names.sort(null);
        return names;
    }

    /**
     * The images of one class folder, listed recursively as list-images lists them: each {@code .jpg}, {@code .jpeg} or
     * {@code .png} (any case) goes to {@code images} with the folder's label and its path below {@code root}
     * ({@code folder/sub/name.png}, what the split hashes); hidden entries (starting with . or _) and other files are
     * counted through {@code ignored}. Returns the images found.
     */
    public static long listImages(String root, ClassFolder folder, Consumer<ImageRef> images, Runnable ignored) throws IOException {
        Path path = new Path(new Path(root), folder.name);
        return listImages(path.getFileSystem(), path, folder.name, folder.label, images, ignored);
    }

    private static long listImages(FileSystem fs, Path directory, String relative, int label, Consumer<ImageRef> images,
                                   Runnable ignored) throws IOException {
        FileStatus[] entries = fs.listStatus(directory);
        if (entries == null) {
            throw new IOException("cannot list class folder " + directory);
        }
        long found = 0;
        for (FileStatus entry : entries) {
            String name = entry.getPath().getName();
            String child = relative + "/" + name;
            if (name.startsWith(".") || name.startsWith("_")) {
                ignored.run();
            } else if (entry.isDir()) {
                found += listImages(fs, entry.getPath(), child, label, images, ignored);
            } else if (ImageTree.isImageName(name)) {
                images.accept(new ImageRef(child, label));
                found++;
            } else {
                ignored.run();
            }
        }
        return found;
    }
}
