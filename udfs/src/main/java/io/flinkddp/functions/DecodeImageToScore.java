package io.flinkddp.functions;

import io.flinkddp.data.ImageFiles;
import io.flinkddp.data.ImageRef;
import io.flinkddp.score.ImageToScore;
import java.io.IOException;
import java.util.Optional;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.util.Collector;

/**
 * decode-images of predict and evaluate: training's decoding ({@link ImageFiles}) of a listed image,
 * keeping its path. An image that cannot be decoded is logged, counted ({@value Names#IMAGES_SKIPPED})
 * and dropped, as in training.
 */
public class DecodeImageToScore extends RichFlatMapFunction<ImageRef, ImageToScore> {

    private final ImageFiles files;
    private transient LongCounter skipped;

    public DecodeImageToScore(String root, int resizePixels, int cropPixels) {
        this.files = new ImageFiles(root, resizePixels, cropPixels);
    }

    @Override
    public void open(Configuration parameters) {
        skipped = getRuntimeContext().getLongCounter(Names.IMAGES_SKIPPED);
    }

    @Override
    public void flatMap(ImageRef image, Collector<ImageToScore> out) throws IOException {
        Optional<byte[]> pixels = files.decode(image.relativePath);
        if (pixels.isPresent()) {
            out.collect(new ImageToScore(image.relativePath, image.label, pixels.get()));
        } else {
            skipped.add(1);
        }
    }
}
