package io.flinkddp.train;

import io.flinkddp.config.TrainingSettings;
import io.flinkddp.data.InvalidDataException;
import io.flinkddp.model.BatchStats;
import io.flinkddp.model.EngineBuffer;
import io.flinkddp.model.ReplicaEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One slot's share of synchronous data-parallel training, one round at a time, without Flink.
 *
 * <p>Round r (1-based) computes the work of global step r-1; round r+1 applies the sum of all slots'
 * step r-1 work. In between, Flink sums the chunks and aggregates the {@link RoundReport}s. A round,
 * in order:
 * <ol>
 *   <li>closes the epoch whose evaluation the previous round reported (metrics, LR scheduler);</li>
 *   <li>applies the previous round's sums by the {@link UpdateRule};</li>
 *   <li>when that step ended an epoch, scores the validation shard;</li>
 *   <li>computes its next minibatches and emits the rule's payloads in chunks ({@link ChunkLayout}).</li>
 * </ol>
 * With one slot the sum is the slot's own work: it stays in place, and a round sends only its report.
 * The epoch arithmetic is the {@link EpochSchedule}, fixed in round 2 by the largest training shard
 * that every slot reported in round 1. Training finishes in the round that closes the last epoch.
 *
 * <p>Checkpoints: slot 0 takes a {@link TrainingState} in the round that closes an epoch, and every
 * {@code checkpointEveryRounds} steps, right after applying the step ({@link #takeCheckpoint}). A slot
 * {@link #restore}d from one goes on with the next step: its first round evaluates the epoch if the
 * checkpoint's step ended one, then computes the next work.
 *
 * <p>Keeps: the slot's {@link ReplicaEngine} (its frozen stages, {@code --freeze}, neither sent nor updated; closed by
 * whoever made it), the {@link TrainingShard} (closed by {@link #close}), the ledger of epochs and the step counter.
 */
public final class SlotTrainer implements AutoCloseable {

    private final TrainingSettings settings;
    private final int slot;
    private final ReplicaEngine engine;
    private final TrainingShard shard;
    private final UpdateRule rule;
    private final ChunkLayout layout;
    private final EpochLedger ledger;
    private final TrainingProgress progress;
    private final List<Long> resumedFromSteps = new ArrayList<>();
    private EpochSchedule schedule;
    /** SGD steps applied so far: the next work is that of step {@code stepsApplied}. */
    private long stepsApplied;
    /** Steps of the checkpoint this slot resumed from (0 for a fresh start). */
    private long stepsRestored;
    private int lastEvaluatedEpoch;
    private TrainingState checkpoint;
    /** Decoded training and validation images over all slots (from round 1's reports). */
    private long[] allImages = new long[2];
    private boolean finished;

    public SlotTrainer(TrainingSettings settings, int slot, ReplicaEngine engine, TrainingShard shard, TrainingProgress progress) {
        this.settings = settings;
        this.slot = slot;
        this.engine = engine;
        this.shard = shard;
        this.progress = progress;
        this.rule = UpdateRule.of(settings.localSteps(), settings.accumulate());
        this.layout = ChunkLayout.between(engine.model().layout().trainedFrom(), engine.model().layout().numParams(),
                settings.gradientChunkFloats());
        this.schedule = EpochSchedule.unknown(settings.epochs(), settings.batchSizePerSlot(), rule.minibatchesPerRound());
        this.ledger = new EpochLedger(settings, progress);
    }

    /**
     * Puts this slot back where a checkpoint left it (call before the first round). The next round
     * then goes on with the step after the checkpoint's last, in the same batch order.
     */
    public void restore(TrainingState state) {
        long numParams = engine.model().layout().numParams();
        if (state.parameters().length != numParams || state.velocity().length != numParams) {
            throw new IllegalArgumentException("the checkpoint holds " + state.parameters().length + " parameters, this network has "
                    + numParams + ": it was written for another model or class count");
        }
        engine.write(EngineBuffer.PARAMETERS, state.parameters());
        engine.write(EngineBuffer.MOMENTUM, state.velocity());
        stepsApplied = state.stepsApplied();
        stepsRestored = state.stepsApplied();
        schedule = new EpochSchedule(state.roundsPerEpoch(), settings.epochs(), settings.batchSizePerSlot(),
                rule.minibatchesPerRound());
        allImages = new long[] {state.allTrainImages(), state.allValidationImages()};
        ledger.restore(state);
        lastEvaluatedEpoch = state.history().size();
        resumedFromSteps.addAll(state.resumedFromSteps());
        resumedFromSteps.add(state.stepsApplied());
        finished = state.history().size() >= settings.epochs();
        progress.roundsPerEpoch = schedule.roundsPerEpoch();
    }

    /**
     * Runs round {@code round} with all slots' aggregated reports of the previous round ({@code previous},
     * null in round 1) and its sums in chunks; emits this round's chunks to {@code out}; returns this
     * slot's report.
     */
    public RoundReport round(int round, RoundReport previous, List<GradientChunk> sums, Consumer<GradientChunk> out) {
        RoundReport report = new RoundReport();
        progress.round = (int) (round + stepsRestored);
        if (round == 1) {
            report.shardSizes(shard.trainSize(), shard.validationSize());
        } else {
            if (round == 2) {
                startEpochs(previous);
            }
            boolean epochClosed = previous.evaluatedEpoch > 0;
            if (epochClosed) {
                closeEpoch(previous);
            }
            boolean applied = previous.roundSamples > 0;
            if (applied) {
                apply(sums, previous.roundSamples);
                ledger.addTrain(previous.roundTrain);
            }
            int every = settings.checkpointEveryRounds();
            if (slot == 0 && (epochClosed || applied && every > 0 && stepsApplied % every == 0)) {
                checkpoint = snapshot();
            }
        }
        int ended = schedule.epochEndedAfter(stepsApplied);
        if (!finished && ended > lastEvaluatedEpoch) {
            evaluate(ended, report);
        }
        report.finished = finished;
        if (!finished && schedule.trains(stepsApplied)) {
            computeRound(stepsApplied, report, out);
        }
        return report;
    }

    /** Round 2: what every slot reported in round 1 fixes the epoch length; a resumed run checks it. */
    private void startEpochs(RoundReport firstRound) {
        firstRound.requireDecodedImages(settings.data());
        EpochSchedule measured = schedule.withLargestShard(firstRound.largestTrainShard);
        if (stepsRestored > 0 && measured.roundsPerEpoch() != schedule.roundsPerEpoch()) {
            throw new InvalidDataException("the checkpoint under " + settings.output() + " was written with "
                    + schedule.roundsPerEpoch() + " rounds per epoch, but the images under " + settings.data() + " now give "
                    + measured.roundsPerEpoch() + ": the image set changed; resume with the same images or start a new --output");
        }
        schedule = measured;
        allImages = new long[] {firstRound.trainImages, firstRound.validationImages};
        progress.roundsPerEpoch = schedule.roundsPerEpoch();
    }

    /** The state at this point of the round: after the step was applied, before its evaluation and the next work. */
    private TrainingState snapshot() {
        ReduceLrOnPlateau scheduler = ledger.scheduler();
        return new TrainingState(stepsApplied, schedule.roundsPerEpoch(), allImages[0], allImages[1],
                scheduler.learningRate(), scheduler.best(), scheduler.badEpochs(), ledger.epochTrain(), ledger.elapsedSeconds(),
                ledger.history(), resumedFromSteps, engine.read(EngineBuffer.PARAMETERS),
                engine.read(EngineBuffer.MOMENTUM));
    }

    /** The checkpoint this round took (slot 0 only), once; null if none is due. */
    public TrainingState takeCheckpoint() {
        TrainingState taken = checkpoint;
        checkpoint = null;
        return taken;
    }

    private void closeEpoch(RoundReport previous) {
        if (!previous.replicasIdentical()) {
            throw new IllegalStateException("the model replicas diverged: their parameters differ after epoch "
                    + previous.evaluatedEpoch + "; every slot must apply the same sums");
        }
        finished = ledger.close(previous.evaluatedEpoch, previous.validation).epoch() >= settings.epochs();
    }

    /** Applies the previous round's sums: the chunks received, or with one slot its own work, which never left it. */
    private void apply(List<GradientChunk> sums, long samples) {
        int expected = settings.slots() == 1 ? 0 : layout.chunks() * rule.sends().size();
        if (sums.size() != expected) {
            throw new IllegalStateException("expected " + expected + " chunks, received " + sums.size());
        }
        if (settings.slots() == 1) {
            rule.takeOwnWorkAsSums(engine);
        }
        for (GradientChunk chunk : sums) {
            engine.putIn(chunk.payload.sum(), layout.offset(chunk.index), chunk.values);
        }
        rule.apply(engine, samples, ledger.learningRate(), settings.momentum());
        stepsApplied++;
    }

    private void evaluate(int epoch, RoundReport report) {
        lastEvaluatedEpoch = epoch;
        report.evaluatedEpoch = epoch;
        report.validation = shard.scoreValidation(engine, settings.batchSizePerSlot());
        report.fingerprint(engine.fingerprint());
        ledger.evaluated();
    }

    /**
     * Computes step {@code step}'s work on this slot's next minibatches, as the {@link UpdateRule} says,
     * and emits its payloads in chunks.
     */
    private void computeRound(long step, RoundReport report, Consumer<GradientChunk> out) {
        int epoch = schedule.epochOf(step);
        if (schedule.roundOfEpoch(step) == 0) {
            ledger.startEpoch();
        }
        progress.epoch = epoch + 1;
        BatchStats roundStats = rule.computeWork(engine, shard, schedule, step, ledger.learningRate(), settings.momentum());
        if (roundStats.samples() == 0) {
            return;
        }
        report.roundTrain = roundStats;
        report.roundSamples = roundStats.samples();
        rule.endRound(engine, roundStats.samples());
        if (settings.slots() > 1) {
            layout.emit(rule.sends(), (payload, offset, values) -> engine.copyOut(payload.source(), offset, values),
                    settings.wirePrecision(), out);
        }
    }

    @Override
    public void close() { // frees the shard's spill file
        shard.close();
    }

    public boolean finished() {
        return finished;
    }

    public List<EpochMetrics> history() {
        return ledger.history();
    }

    /** Steps of the checkpoints this run resumed from, oldest first (empty if it never resumed). */
    public List<Long> resumedFromSteps() {
        return resumedFromSteps;
    }

    public ReplicaEngine engine() {
        return engine;
    }

    /** Decoded training and validation images over all slots. */
    public long[] allImages() {
        return allImages.clone();
    }
}
