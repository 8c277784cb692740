package io.flinkddp.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The learning-rate schedule against PyTorch's numbers: for a series of validation losses, the rates that
 * {@code torch.optim.lr_scheduler.ReduceLROnPlateau(mode=min, patience=2, factor=0.1)} printed (torch 1.13).
 */
class ReduceLrOnPlateauTest {

    /** Expected rates printed by torch.optim.lr_scheduler.ReduceLROnPlateau(mode=min, patience=2, factor=0.1), torch 1.13. */
    @Test
    void matchesPyTorch() {
        double[] losses = {1.0, 0.9, 0.95, 0.95, 0.95, 0.8, 0.85, 0.85, 0.85, 0.85, 0.79995, 0.7999, 0.8, 0.8, 0.8};
        double[] torch = {0.01, 0.01, 0.01, 0.01, 0.001, 0.001, 0.001, 0.001, 0.0001, 0.0001, 0.0001, 0.0001, 0.0001, 0.0001, 1e-05};
        ReduceLrOnPlateau scheduler = new ReduceLrOnPlateau(0.01, 2, 0.1);
        for (int i = 0; i < losses.length; i++) {
            assertEquals(torch[i], scheduler.step(losses[i]), 1e-12, "after epoch " + (i + 1));
        }
    }
}
