package io.flinkddp.functions;

import io.flinkddp.data.ClassFolder;
import io.flinkddp.data.ClassFolders;
import io.flinkddp.data.ImageRef;
import java.io.IOException;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.fs.Path;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * list-images: lists one class folder (recursively) on a TaskManager and emits its images
 * (.jpg, .jpeg, .png in any case; {@link ClassFolders#listImages}). Other files and hidden ones (starting with . or _)
 * are counted as ignored; a folder without images is logged.
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
        if (ClassFolders.listImages(root, folder, out::collect, () -> ignored.add(1)) == 0) {
            LOG.warn("class folder {} has no images", new Path(new Path(root), folder.name));
        }
    }
}
