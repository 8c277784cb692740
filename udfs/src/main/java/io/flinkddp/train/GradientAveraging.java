package io.flinkddp.train;

import io.flinkddp.model.EngineBuffer;
import io.flinkddp.model.ReplicaEngine;
import java.util.List;

/**
 * Exact synchronous data parallelism (DDP): each round every slot sends the gradient of its
 * minibatch (a sum over its images) and every replica takes one SGD step with the all-slot mean. With
 * {@code --accumulate A > 1} a slot's round is A micro-batches whose gradients it sums before sending:
 * exact SGD on A x batch images per slot in the memory of one micro-batch, batch-norm statistics
 * computed per micro-batch. The accumulating sum lives in the sum buffer, free while a round computes.
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
    public void beginRound(ReplicaEngine engine) {
        if (microBatches > 1) {
            engine.zero(EngineBuffer.SUM);
        }
    }

    @Override
    public void afterMinibatch(ReplicaEngine engine, long samples, double learningRate, double momentum) {
        if (microBatches > 1) {
            engine.axpy(1, EngineBuffer.GRADIENT, EngineBuffer.SUM);
        }
    }

    @Override
    public void endRound(ReplicaEngine engine, long samples) {
        if (microBatches > 1) {
            engine.copy(EngineBuffer.SUM, EngineBuffer.GRADIENT);
        }
    }

    @Override
    public void apply(ReplicaEngine engine, long globalSamples, double learningRate, double momentum) {
        engine.sgdStep(EngineBuffer.SUM, globalSamples, learningRate, momentum);
    }
}
