package io.flinkddp.functions;

import io.flinkddp.data.ImageRef;
import io.flinkddp.score.ImageToScore;

/** decode-images of predict and evaluate: a listed image decoded as training decodes ({@link DecodeFunction}), keeping its path and label. */
public class DecodeImageToScore extends DecodeFunction<ImageRef, ImageToScore> {

    public DecodeImageToScore(String root, int resizePixels, int cropPixels) {
        super(root, resizePixels, cropPixels);
    }

    @Override
    String relativePath(ImageRef image) {
        return image.relativePath;
    }

    @Override
    ImageToScore decoded(ImageRef image, byte[] pixels) {
        return new ImageToScore(image.relativePath, image.label, pixels);
    }
}
