package io.flinkddp.model;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Sums over a set of images: how many, their summed cross-entropy loss, and how many had the true
 * class first (top-1) or among the first five (top-5). Sums, not means, so that slots add up.
 */
public record BatchStats(long samples, double lossSum, long top1, long top5) implements java.io.Serializable {

    public static final BatchStats EMPTY = new BatchStats(0, 0, 0, 0);

    public void write(DataOutput out) throws IOException {
        out.writeLong(samples);
        out.writeDouble(lossSum);
        out.writeLong(top1);
        out.writeLong(top5);
    }

    public static BatchStats read(DataInput in) throws IOException {
        return new BatchStats(in.readLong(), in.readDouble(), in.readLong(), in.readLong());
    }

    public BatchStats plus(BatchStats other) {
        return new BatchStats(samples + other.samples, lossSum + other.lossSum, top1 + other.top1, top5 + other.top5);
    }

    /**
     * Counts for class scores {@code scores[i][c]} (logits) and true classes. The true class is within
     * top-k when fewer than k other classes score at least as high (a tie counts against it).
     */
    public static BatchStats ofScores(float[][] scores, int[] labels, double lossSum) {
        long top1 = 0;
        long top5 = 0;
        for (int i = 0; i < labels.length; i++) {
            float truth = scores[i][labels[i]];
            int higher = 0;
            for (int c = 0; c < scores[i].length; c++) {
                if (c != labels[i] && scores[i][c] >= truth) {
                    higher++;
                }
            }
            top1 += higher < 1 ? 1 : 0;
            top5 += higher < 5 ? 1 : 0;
        }
        return new BatchStats(labels.length, lossSum, top1, top5);
    }

    /** Top-1/top-5 counts of logits, and (if asked) the summed cross-entropy by a stable log-softmax, in double precision. */
    public static BatchStats ofLogits(float[][] scores, int[] labels, boolean withLoss) {
        double lossSum = 0;
        for (int i = 0; withLoss && i < labels.length; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (float score : scores[i]) {
                max = Math.max(max, score);
            }
            double sum = 0;
            for (float score : scores[i]) {
                sum += Math.exp(score - max);
            }
            lossSum += max + Math.log(sum) - scores[i][labels[i]];
        }
        return ofScores(scores, labels, lossSum);
    }
}
