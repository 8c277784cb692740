package io.flinkddp.data;

/**
 * A decoded image in its compact form: {@code pixels} is crop x crop x RGB uint8 (row-major, as
 * OpenCV stores it), normalised only when a batch is built. Carries its split role, slot and order.
 */
public class DecodedImage {
    public int label;
    public int role;
    public int slot;
    public long order;
    public byte[] pixels;

    public DecodedImage() {
    }

    public DecodedImage(SplitImage image, byte[] pixels) {
        this.label = image.label;
        this.role = image.role;
        this.slot = image.slot;
        this.order = image.order;
        this.pixels = pixels;
    }
}
