package io.flinkddp.train;

import io.flinkddp.model.ReplicaEngine;
import java.util.List;

/**
 * How a round turns minibatches into one synchronous update shared by every replica: what each slot
 * computes and sends, and how the all-slot sums are applied, written against the engine's whole-buffer
 * primitives and its one SGD step. Two rules: {@link GradientAveraging} (exact DDP, one step a round,
 * optionally over accumulated micro-batches) and {@link LocalSteps} (K steps alone, then averages).
 */
public interface UpdateRule {

    /** The rule the settings ask for: local steps if more than one, else gradient averaging over {@code accumulate} micro-batches. */
    static UpdateRule of(int localSteps, int accumulate) {
        return localSteps > 1 ? new LocalSteps(localSteps) : new GradientAveraging(accumulate);
    }

    /** Minibatches each slot trains on per round. */
    int minibatchesPerRound();

    /** What a slot sends at the end of a round, in this order. */
    List<Payload> sends();

    /** Before the round's first minibatch (also on a slot with no images left this round). */
    void beginRound(ReplicaEngine engine);

    /** After the gradient of one minibatch of {@code samples} images was computed into the engine. */
    void afterMinibatch(ReplicaEngine engine, long samples, double learningRate, double momentum);

    /** After the round's last minibatch, before the payloads are copied out; {@code samples} images in all. */
    void endRound(ReplicaEngine engine, long samples);

    /** Applies the all-slot sums put into the engine, over {@code globalSamples} images. */
    void apply(ReplicaEngine engine, long globalSamples, double learningRate, double momentum);

    /** One slot alone: what it would send is the all-slot sum, so it goes straight where the sums go. */
    default void takeOwnWorkAsSums(ReplicaEngine engine) {
        for (Payload payload : sends()) {
            engine.copy(payload.source(), payload.sum());
        }
    }
}
