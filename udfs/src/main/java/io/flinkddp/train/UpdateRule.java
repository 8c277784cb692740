package io.flinkddp.train;

import io.flinkddp.model.BatchStats;
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

    /**
     * A slot's work for step {@code step}: {@link #beginRound}, then each of the round's minibatches, the images at the
     * step's window ({@link EpochSchedule#window}) of the epoch's seeded order of {@code shard}, its gradient computed
     * into the engine and handed to {@link #afterMinibatch}. Returns the sums over the images trained on; none when the
     * shard has run out this round (then {@link #endRound} is not due). train-round's rounds ({@link SlotTrainer}) and
     * the GPU machine's training check ({@code io.flinkddp.gpucheck.TrainCheck}) both take their steps through it.
     */
    default BatchStats computeWork(ReplicaEngine engine, TrainingShard shard, EpochSchedule schedule, long step, double learningRate,
                                   double momentum) {
        int epoch = schedule.epochOf(step);
        BatchStats work = BatchStats.EMPTY;
        beginRound(engine);
        for (int k = 0; k < minibatchesPerRound(); k++) {
            int[] window = schedule.window(step, k, shard.trainSize());
            if (window[0] >= window[1]) {
                break;
            }
            TrainingShard.Minibatch batch = shard.train(epoch, window[0], window[1]);
            BatchStats stats = engine.computeGradient(batch.pixels(), batch.labels());
            work = work.plus(stats);
            afterMinibatch(engine, stats.samples(), learningRate, momentum);
        }
        return work;
    }

    /** One slot alone: what it would send is the all-slot sum, so it goes straight where the sums go. */
    default void takeOwnWorkAsSums(ReplicaEngine engine) {
        for (Payload payload : sends()) {
            engine.copy(payload.source(), payload.sum());
        }
    }
}
