package io.flinkddp.data;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * The class folders directly below an image-set root, sorted by name: their index is the class index
 * (as torchvision's ImageFolder), unless a {@code --class-index} labels them ({@link ClassLabels}). This is the only listing the client does; images are listed on the
 * TaskManagers. Hidden folders (starting with . or _) are not classes.
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
}
