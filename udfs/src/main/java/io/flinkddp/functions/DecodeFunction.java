package io.flinkddp.functions;

import io.flinkddp.data.ImageFiles;
import java.io.IOException;
import java.util.Optional;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.util.Collector;

/**
 * decode-images, of training and of predict and evaluate alike: reads a listed image's bytes through
 * Flink's file systems and decodes it ({@link ImageFiles}: resize, center crop, uint8 RGB). An image that
 * cannot be decoded is logged with its path and reason, counted ({@value Names#IMAGES_SKIPPED}) and
 * dropped; the job goes on without it. Subclasses say only where the path is and what to emit.
 */
abstract class DecodeFunction<IN, OUT> extends RichFlatMapFunction<IN, OUT> {

    private final ImageFiles files;
    private transient LongCounter skipped;

    DecodeFunction(String root, int resizePixels, int cropPixels) {
        this.files = new ImageFiles(root, resizePixels, cropPixels);
    }

    /** The image's path under the root. */
    abstract String relativePath(IN image);

    /** What to emit for a decoded image. */
    abstract OUT decoded(IN image, byte[] pixels);

    @Override
    public void open(Configuration parameters) {
        skipped = getRuntimeContext().getLongCounter(Names.IMAGES_SKIPPED);
    }

    @Override
    public void flatMap(IN image, Collector<OUT> out) throws IOException {
        Optional<byte[]> pixels = files.decode(relativePath(image));
        if (pixels.isPresent()) {
            out.collect(decoded(image, pixels.get()));
        } else {
            skipped.add(1);
        }
    }
}
