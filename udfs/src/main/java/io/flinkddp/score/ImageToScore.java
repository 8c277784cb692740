package io.flinkddp.score;

/**
 * A decoded image to score: its path relative to {@code --data}, its class index in the model (-1
 * when unlabelled, as predict's images are) and its crop x crop x RGB uint8 pixels. Flink POJO; not
 * mutated after it is emitted.
 */
public class ImageToScore {
    public String relativePath;
    public int label;
    public byte[] pixels;

    public ImageToScore() {
    }

    public ImageToScore(String relativePath, int label, byte[] pixels) {
        this.relativePath = relativePath;
        this.label = label;
        this.pixels = pixels;
    }
}
