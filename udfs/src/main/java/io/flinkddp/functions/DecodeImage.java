package io.flinkddp.functions;

import io.flinkddp.data.DecodedImage;
import io.flinkddp.data.SplitImage;

/** decode-images of training: a split image decoded, keeping its role, slot and order ({@link DecodeFunction}). */
public class DecodeImage extends DecodeFunction<SplitImage, DecodedImage> {

    public DecodeImage(String root, int resizePixels, int cropPixels) {
        super(root, resizePixels, cropPixels);
    }

    @Override
    String relativePath(SplitImage image) {
        return image.relativePath;
    }

    @Override
    DecodedImage decoded(SplitImage image, byte[] pixels) {
        return new DecodedImage(image, pixels);
    }
}
