package io.flinkddp.train;

import io.flinkddp.model.Replica;
import java.util.List;

/**
 * Exact synchronous data parallelism (DDP): each round every slot sends the gradient of its
 * minibatch (a sum over its images) and every replica takes one SGD step with the all-slot mean. With
 * {@code --accumulate A > 1} a slot's round is A micro-batches whose gradients it sums before sending:
 * exact SGD on A x batch images per slot in the memory of one micro-batch, batch-norm statistics
 * computed per micro-batch.
 */
public final class GradientAveraging implements UpdateRule {

    private final int microBatches;

    public GradientAveraging(int microBatches) {
        this.microBatches = microBatches;
    }

    @Override
    public int minibatchesPerRound() {
        return microBatches;
    }

    @Override
    public List<Payload> sends() {
        return List.of(Payload.GRADIENT);
    }

    @Override
    public void beginRound(Replica replica) {
        if (microBatches > 1) {
            replica.clearAccumulated();
        }
    }

    @Override
    public void afterMinibatch(Replica replica, long samples, double learningRate, double momentum) {
        if (microBatches > 1) {
            replica.accumulateGradient();
        }
    }

    @Override
    public void endRound(Replica replica, long samples) {
        if (microBatches > 1) {
            replica.takeAccumulated();
        }
    }

    @Override
    public void apply(Replica replica, long globalSamples, double learningRate, double momentum) {
        replica.applyGradientSum(globalSamples, learningRate, momentum);
    }
}
