package io.flinkddp.functions;

import io.flinkddp.data.ClassFolder;
import io.flinkddp.data.ImageRef;
import io.flinkddp.data.ImageTree;
import java.io.IOException;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * list-images: lists one class folder (recursively) on a TaskManager and emits its images
 * (.jpg, .jpeg, .png in any case). Other files and hidden ones (starting with . or _) are counted as
 * ignored; a folder without images is logged.
 */
public class ListImages extends RichFlatMapFunction<ClassFolder, ImageRef> {

    private static final Logger LOG = LoggerFactory.getLogger(ListImages.class);

    private final String root;
    private transient LongCounter ignored;

    public ListImages(String root) {
        this.root = root;
    }

    @Override
    public void open(Configuration parameters) {
        ignored = getRuntimeContext().getLongCounter(Names.FILES_IGNORED);
    }

    @Override
    public void flatMap(ClassFolder folder, Collector<ImageRef> out) throws IOException {
        Path path = new Path(new Path(root), folder.name);
        long images = list(path.getFileSystem(), path, folder.name, folder.label, out);
        if (images == 0) {
            LOG.warn("class folder {} has no images", path);
        }
    }

    private long list(FileSystem fs, Path directory, String relative, int label, Collector<ImageRef> out) throws IOException {
        FileStatus[] entries = fs.listStatus(directory);
        if (entries == null) {
            throw new IOException("cannot list class folder " + directory);
        }
        long images = 0;
        for (FileStatus entry : entries) {
            String name = entry.getPath().getName();
            String child = relative + "/" + name;
            if (name.startsWith(".") || name.startsWith("_")) {
                ignored.add(1);
            } else if (entry.isDir()) {
                images += list(fs, entry.getPath(), child, label, out);
            } else if (ImageTree.isImageName(name)) {
                out.collect(new ImageRef(child, label));
                images++;
            } else {
                ignored.add(1);
            }
        }
        return images;
    }
}
