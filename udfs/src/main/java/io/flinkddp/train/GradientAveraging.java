package io.flinkddp.train;

import io.flinkddp.model.Replica;
import java.util.List;

/**
 * Exact synchronous data parallelism (DDP): each round every slot sends the gradient of one minibatch
 * (a sum over its images) and every replica takes one SGD step with the all-slot mean.
 */
public final class GradientAveraging implements UpdateRule {

    @Override
    public int minibatchesPerRound() {
        return 1;
    }

    @Override
    public List<Payload> sends() {
        return List.of(Payload.GRADIENT);
    }

    @Override
    public void beginRound(Replica replica) {
    }

    @Override
    public void afterMinibatch(Replica replica, long samples, double learningRate, double momentum) {
    }

    @Override
    public void endRound(Replica replica, long samples) {
    }

    @Override
    public void apply(Replica replica, long globalSamples, double learningRate, double momentum) {
        replica.applyGradientSum(globalSamples, learningRate, momentum);
    }
}
