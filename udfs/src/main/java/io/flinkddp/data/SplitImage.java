package io.flinkddp.data;

/**
 * A listed image with its place in the run: training or validation (or outside the subset), the
 * slot whose shard holds it, and its rank in the seeded order, which fixes its position in the shard.
 */
public class SplitImage {
    public static final int TRAIN = 0;
    public static final int VALIDATION = 1;
    public static final int UNUSED = 2;

    public String relativePath;
    public int label;
    public int role;
    public int slot;
    public long order;

    public SplitImage() {
    }

    public SplitImage(String relativePath, int label, int role, int slot, long order) {
        this.relativePath = relativePath;
        this.label = label;
        this.role = role;
        this.slot = slot;
        this.order = order;
    }
}
