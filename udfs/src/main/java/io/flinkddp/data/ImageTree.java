package io.flinkddp.data;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;

/**
 * The top level of a folder tree of images to score, as the client lists it: its folders (each then
 * listed recursively on a TaskManager by list-images) and the images directly in it, both sorted by
 * name, hidden entries (starting with . or _) left out. Any tree will do: class folders, nested
 * folders, or images alone.
 */
public record ImageTree(List<String> folders, List<String> images) {

    public static ImageTree list(String root) throws IOException {
        Path path = new Path(root);
        FileStatus[] entries;
        try {
            entries = path.getFileSystem().listStatus(path);
        } catch (FileNotFoundException e) {
            entries = null;
        }
        if (entries == null) {
            throw new InvalidDataException("--data " + root + ": no such directory");
        }
        List<String> folders = new ArrayList<>();
        List<String> images = new ArrayList<>();
        for (FileStatus entry : entries) {
            String name = entry.getPath().getName();
            if (name.startsWith(".") || name.startsWith("_")) {
                continue;
            }
            if (entry.isDir()) {
                folders.add(name);
            } else if (isImageName(name)) {
                images.add(name);
            }
        }
        if (folders.isEmpty() && images.isEmpty()) {
            throw new InvalidDataException("--data " + root + " holds no images (.jpg, .jpeg, .png) and no folders");
        }
        folders.sort(null);
        images.sort(null);
        return new ImageTree(List.copyOf(folders), List.copyOf(images));
    }

    /** Whether a file name is one of the image kinds listed (.jpg, .jpeg, .png, any case). */
    public static boolean isImageName(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".jpg") || lower.endsWith(".jpeg") || lower.endsWith(".png");
    }
}
