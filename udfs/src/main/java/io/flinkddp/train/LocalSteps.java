package io.flinkddp.train;

import io.flinkddp.model.Replica;
import java.util.List;

/**
 * {@code --local-steps K}: each slot takes K minibatch SGD steps alone, then sends its parameter move
 * and momentum buffer, each times its image count; every replica takes the image-weighted averages, so
 * the replicas are identical again at the end of every round.
 */
public final class LocalSteps implements UpdateRule {

    private final int steps;

    public LocalSteps(int steps) {
        this.steps = steps;
    }

    @Override
    public int minibatchesPerRound() {
        return steps;
    }

    @Override
    public List<Payload> sends() {
        return List.of(Payload.PARAMETER_MOVE, Payload.MOMENTUM);
    }

    @Override
    public void beginRound(Replica replica) {
        replica.beginLocalSteps();
    }

    @Override
    public void afterMinibatch(Replica replica, long samples, double learningRate, double momentum) {
        replica.applyLocalStep(samples, learningRate, momentum);
    }

    @Override
    public void endRound(Replica replica, long samples) {
        replica.finishLocalSteps(samples);
    }

    @Override
    public void apply(Replica replica, long globalSamples, double learningRate, double momentum) {
        replica.applyAverages(globalSamples);
    }
}
