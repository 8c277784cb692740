package io.flinkddp.data;

/**
 * One listed image: its path relative to the image-set root (which the split hashes, so the split
 * does not change when the set moves) and its class. Flink POJO; not mutated after it is emitted.
 */
public class ImageRef {
    public String relativePath;
    public int label;

    public ImageRef() {
    }

    public ImageRef(String relativePath, int label) {
        this.relativePath = relativePath;
        this.label = label;
    }
}
