package io.flinkddp.score;

import io.flinkddp.model.ReplicaEngine;
import java.util.ArrayList;
import java.util.List;

/**
 * Scores batches of decoded images with one model replica in inference mode (batch norm with its
 * running statistics, as PyTorch's eval()) on a {@link ReplicaEngine}. In: images of the engine's crop
 * side, as training's batches. Out: per image the top k classes by softmax probability and, for a
 * labelled image, its loss and the rank of its true class, from the float logits in double precision.
 * Uses the engine; whoever made it closes it.
 */
public final class Scorer {

    private final ReplicaEngine engine;
    private final int k;

    public Scorer(ReplicaEngine engine, int k) {
        this.engine = engine;
        this.k = k;
    }

    public List<ScoredImage> score(List<ImageToScore> batch) {
        List<byte[]> pixels = new ArrayList<>(batch.size());
        batch.forEach(image -> pixels.add(image.pixels));
        float[][] logits = engine.logits(pixels);
        List<ScoredImage> scored = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            scored.add(score(batch.get(i), logits[i]));
        }
        return scored;
    }

    ScoredImage score(ImageToScore image, float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float logit : logits) {
            max = Math.max(max, logit);
        }
        double sum = 0;
        for (float logit : logits) {
            sum += Math.exp(logit - max);
        }
        double logSum = max + Math.log(sum);
        int[] top = topClasses(logits, Math.min(k, logits.length));
        float[] probabilities = new float[top.length];
        for (int j = 0; j < top.length; j++) {
            probabilities[j] = (float) Math.exp(logits[top[j]] - logSum);
        }
        if (image.label < 0) {
            return new ScoredImage(image.relativePath, image.label, top, probabilities, Double.NaN, -1);
        }
        int rank = 0;
        float truth = logits[image.label];
        for (int c = 0; c < logits.length; c++) {
            if (c != image.label && logits[c] >= truth) {
                rank++;
            }
        }
        return new ScoredImage(image.relativePath, image.label, top, probabilities, logSum - truth, rank);
    }

    /** The indices of the {@code count} highest logits, highest first; of equal logits the lower index first. */
    static int[] topClasses(float[] logits, int count) {
        int[] top = new int[count];
        boolean[] taken = new boolean[logits.length];
        for (int j = 0; j < count; j++) {
            int best = -1;
            for (int c = 0; c < logits.length; c++) {
                if (!taken[c] && (best < 0 || logits[c] > logits[best])) {
                    best = c;
                }
            }
            taken[best] = true;
            top[j] = best;
        }
        return top;
    }
}
