package io.flinkddp.functions;

import io.flinkddp.data.DecodedImage;
import io.flinkddp.data.ImageDecoder;
import io.flinkddp.data.SplitImage;
import io.flinkddp.data.UndecodableImageException;
import java.io.IOException;
import java.io.InputStream;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.fs.Path;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * decode-images: reads an image's bytes through Flink's file systems and decodes it
 * ({@link ImageDecoder}). An image that cannot be decoded is logged with its path and reason, counted
 * ({@value Names#IMAGES_SKIPPED}), and dropped; training goes on without it.
 */
public class DecodeImage extends RichFlatMapFunction<SplitImage, DecodedImage> {

    private static final Logger LOG = LoggerFactory.getLogger(DecodeImage.class);

    private final String root;
    private final ImageDecoder decoder;
    private transient LongCounter skipped;

    public DecodeImage(String root, int resizePixels, int cropPixels) {
        this.root = root;
        this.decoder = new ImageDecoder(resizePixels, cropPixels);
    }

    @Override
    public void open(Configuration parameters) {
        skipped = getRuntimeContext().getLongCounter(Names.IMAGES_SKIPPED);
    }

    @Override
    public void flatMap(SplitImage image, Collector<DecodedImage> out) throws IOException {
        Path path = new Path(new Path(root), image.relativePath);
        byte[] bytes;
        try (InputStream in = path.getFileSystem().open(path)) {
            bytes = in.readAllBytes();
        }
        try {
            out.collect(new DecodedImage(image, decoder.decode(bytes)));
        } catch (UndecodableImageException e) {
            skipped.add(1);
            LOG.warn("skipping image {}: {}", path, e.getMessage());
        }
    }
}
