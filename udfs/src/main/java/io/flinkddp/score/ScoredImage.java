package io.flinkddp.score;

/**
 * One image's scores: its path and class index (-1 unlabelled), the k most probable classes, most
 * probable first, with their softmax probabilities; for a labelled image its cross-entropy loss and
 * the rank of its true class (how many other classes have a logit at least as high: 0 is a top-1 hit,
 * below 5 a top-5 hit, ties counting against it, as training's validation counts). Flink POJO; not
 * mutated after it is emitted.
 */
public class ScoredImage {
    public String relativePath;
    public int label;
    public int[] classes;
    public float[] probabilities;
    public double loss;
    public int truthRank;

    public ScoredImage() {
    }

    public ScoredImage(String relativePath, int label, int[] classes, float[] probabilities, double loss, int truthRank) {
        this.relativePath = relativePath;
        this.label = label;
        this.classes = classes;
        this.probabilities = probabilities;
        this.loss = loss;
        this.truthRank = truthRank;
    }
}
