package io.flinkddp.train;

import io.flinkddp.model.EngineBuffer;
import io.flinkddp.model.ReplicaEngine;
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

    /** Remembers the parameters at the round's start. */
    @Override
    public void beginRound(ReplicaEngine engine) {
        engine.copy(EngineBuffer.PARAMETERS, EngineBuffer.ROUND_START);
    }

    /** One SGD step of this replica alone with its last minibatch's gradient. */
    @Override
    public void afterMinibatch(ReplicaEngine engine, long samples, double learningRate, double momentum) {
        engine.copy(EngineBuffer.GRADIENT, EngineBuffer.SUM);
        engine.sgdStep(EngineBuffer.SUM, samples, learningRate, momentum);
    }

    /** What the slot sends: its parameter move since the round's start and its momentum, each times its images. */
    @Override
    public void endRound(ReplicaEngine engine, long samples) {
        engine.copy(EngineBuffer.ROUND_START, EngineBuffer.GRADIENT);
        engine.axpy(-1, EngineBuffer.PARAMETERS, EngineBuffer.GRADIENT);
        engine.scale(EngineBuffer.GRADIENT, samples);
        engine.scale(EngineBuffer.MOMENTUM, samples);
    }

    /** Every replica takes the image-weighted averages: parameters = start - move sum / images, momentum = momentum sum / images. */
    @Override
    public void apply(ReplicaEngine engine, long globalSamples, double learningRate, double momentum) {
        engine.divide(EngineBuffer.SUM, globalSamples);
        engine.copy(EngineBuffer.ROUND_START, EngineBuffer.PARAMETERS);
        engine.axpy(-1, EngineBuffer.SUM, EngineBuffer.PARAMETERS);
        engine.divide(EngineBuffer.MOMENTUM_SUM, globalSamples);
        engine.copy(EngineBuffer.MOMENTUM_SUM, EngineBuffer.MOMENTUM);
    }
}
