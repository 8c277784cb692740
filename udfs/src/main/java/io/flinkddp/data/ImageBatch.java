package io.flinkddp.data;

import java.util.List;

/**
 * Turns compact decoded images (uint8, height x width x RGB) into a network input: NCHW floats
 * normalised with the ImageNet mean and standard deviation, as torchvision's {@code Normalize}. Plain
 * arrays, no ND4J: engines wrap them as they need.
 */
public final class ImageBatch {

    private static final float[] MEAN = {0.485f, 0.456f, 0.406f};
    private static final float[] STD = {0.229f, 0.224f, 0.225f};

    private ImageBatch() {
    }

    /** The per-channel (RGB) mean subtracted from values / 255. */
    public static float[] mean() {
        return MEAN.clone();
    }

    /** The per-channel (RGB) standard deviation divided by. */
    public static float[] std() {
        return STD.clone();
    }

    /** The images as [n, 3, side, side] floats in c order, normalised. */
    public static float[] normalised(List<byte[]> images, int side) {
        int plane = side * side;
        float[] values = new float[images.size() * 3 * plane];
        float[] scale = new float[3];
        float[] shift = new float[3];
        for (int c = 0; c < 3; c++) {
            scale[c] = 1f / (255f * STD[c]);
            shift[c] = -MEAN[c] / STD[c];
        }
        for (int n = 0; n < images.size(); n++) {
            byte[] rgb = images.get(n);
            if (rgb.length != 3 * plane) {
                throw new IllegalArgumentException("image " + n + " has " + rgb.length + " bytes, expected " + 3 * plane);
            }
            int base = n * 3 * plane;
            for (int p = 0; p < plane; p++) {
                for (int c = 0; c < 3; c++) {
                    values[base + c * plane + p] = (rgb[3 * p + c] & 0xff) * scale[c] + shift[c];
                }
            }
        }
        return values;
    }

    /** [n, numClasses] in c order: 1 at each image's class, else 0. */
    public static float[] oneHot(int[] labels, int numClasses) {
        float[] values = new float[labels.length * numClasses];
        for (int i = 0; i < labels.length; i++) {
            values[i * numClasses + labels[i]] = 1f;
        }
        return values;
    }
}
