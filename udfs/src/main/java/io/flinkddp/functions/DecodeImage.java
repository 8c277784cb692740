package io.flinkddp.functions;

import io.flinkddp.data.DecodedImage;
import io.flinkddp.data.ImageFiles;
import io.flinkddp.data.SplitImage;
import java.io.IOException;
import java.util.Optional;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.util.Collector;

/**
 * decode-images: reads an image's bytes through Flink's file systems and decodes it
 * ({@link ImageFiles}). An image that cannot be decoded is logged with its path and reason, counted
 * ({@value Names#IMAGES_SKIPPED}), and dropped; training goes on without it.
 */
public class DecodeImage extends RichFlatMapFunction<SplitImage, DecodedImage> {

    private final ImageFiles files;
    private transient LongCounter skipped;

    public DecodeImage(String root, int resizePixels, int cropPixels) {
        this.files = new ImageFiles(root, resizePixels, cropPixels);
    }

    @Override
    public void open(Configuration parameters) {
        skipped = getRuntimeContext().getLongCounter(Names.IMAGES_SKIPPED);
    }

    @Override
    public void flatMap(SplitImage image, Collector<DecodedImage> out) throws IOException {
        Optional<byte[]> pixels = files.decode(image.relativePath);
        if (pixels.isPresent()) {
            out.collect(new DecodedImage(image, pixels.get()));
        } else {
            skipped.add(1);
        }
    }
}
