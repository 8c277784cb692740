package io.flinkddp.model.gpu;

/**
 * The shape of one convolution call: input [n, c, h, w], weights [k, c, r, s] (PyTorch's and DL4J's
 * layout), square stride and padding, no dilation, no bias. With the {@link Precision} it is the key
 * under which convolution algorithms are chosen once and cached.
 */
public record ConvShape(int n, int c, int h, int w, int k, int r, int s, int stride, int pad) {

    public ConvShape {
        if (n < 1 || c < 1 || h < 1 || w < 1 || k < 1 || r < 1 || s < 1 || stride < 1 || pad < 0) {
            throw new IllegalArgumentException("not a convolution shape: " + this);
        }
        if (h + 2 * pad < r || w + 2 * pad < s) {
            throw new IllegalArgumentException("a " + r + "x" + s + " kernel does not fit a padded " + h + "x" + w + " input");
        }
    }

    public int outH() {
        return (h + 2 * pad - r) / stride + 1;
    }

    public int outW() {
        return (w + 2 * pad - s) / stride + 1;
    }

    public long inputFloats() {
        return (long) n * c * h * w;
    }

    public long weightFloats() {
        return (long) k * c * r * s;
    }

    public long outputFloats() {
        return (long) n * k * outH() * outW();
    }

    /** The same convolution over a batch of {@code images}. */
    public ConvShape withBatch(int images) {
        return new ConvShape(images, c, h, w, k, r, s, stride, pad);
    }
}
