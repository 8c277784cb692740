package io.flinkddp.train;

import java.io.Serializable;

/**
 * {@code torch.optim.lr_scheduler.ReduceLROnPlateau} in mode min, threshold 1e-4 (relative), no
 * cooldown, no minimum rate: when the validation loss has not improved for more than
 * {@code patience} epochs, the rate is multiplied by {@code factor}.
 */
public final class ReduceLrOnPlateau implements Serializable {

    private static final double THRESHOLD = 1e-4;
    private static final double EPS = 1e-8;

    private final int patience;
    private final double factor;
    private double learningRate;
    private double best = Double.POSITIVE_INFINITY;
    private int badEpochs;

    public ReduceLrOnPlateau(double learningRate, int patience, double factor) {
        this.learningRate = learningRate;
        this.patience = patience;
        this.factor = factor;
    }

    public double learningRate() {
        return learningRate;
    }

    /** The lowest validation loss so far (infinite before the first epoch). */
    public double best() {
        return best;
    }

    public int badEpochs() {
        return badEpochs;
    }

    /** Puts the scheduler back where a checkpoint left it. */
    public void restore(double learningRate, double best, int badEpochs) {
        this.learningRate = learningRate;
        this.best = best;
        this.badEpochs = badEpochs;
    }

    /** Records one epoch's validation loss; returns the rate for the next epoch. */
    public double step(double validationLoss) {
        if (validationLoss < best * (1 - THRESHOLD)) {
            best = validationLoss;
            badEpochs = 0;
        } else {
            badEpochs++;
        }
        if (badEpochs > patience) {
            double reduced = learningRate * factor;
            if (learningRate - reduced > EPS) {
                learningRate = reduced;
            }
            badEpochs = 0;
        }
        return learningRate;
    }
}
