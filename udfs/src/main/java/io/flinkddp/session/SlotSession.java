package io.flinkddp.session;

import io.flinkddp.config.RunFiles;
import io.flinkddp.config.TrainingSettings;
import io.flinkddp.data.ClassLabels;
import io.flinkddp.data.DecodedImage;
import io.flinkddp.data.ListingSummary;
import io.flinkddp.model.SlotEngine;
import io.flinkddp.output.Checkpoints;
import io.flinkddp.output.Curves;
import io.flinkddp.output.RunOutputs;
import io.flinkddp.output.RunSummary;
import io.flinkddp.train.EpochMetrics;
import io.flinkddp.train.EpochProgress;
import io.flinkddp.train.GradientChunk;
import io.flinkddp.train.RoundClock;
import io.flinkddp.train.RoundReport;
import io.flinkddp.train.SlotTrainer;
import io.flinkddp.train.TrainingProgress;
import io.flinkddp.train.TrainingShard;
import io.flinkddp.train.TrainingState;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One slot's training attempt, from its first round to the run's outputs, without Flink: each
 * {@link #round} runs the {@link SlotTrainer}'s round, then writes the checkpoint it took, and on slot 0
 * logs each closed epoch and rewrites {@code metrics.jsonl} and {@code curves.png} ({@link Curves}); in the
 * round that finishes training, slot 0 writes {@code labels.txt}, {@code model.zip}, {@code metrics.jsonl}
 * and {@code summary.json}. Every slot times its rounds ({@link RoundClock}) and logs where they went when
 * training finishes, and estimates the time left ({@link EpochProgress}: the {@code secondsLeft} gauge;
 * slot 0 logs a progress line at most every {@value #PROGRESS_LINE_SECONDS} s).
 *
 * <p>Created once per attempt with the slot's engine ({@link io.flinkddp.model.Engines}), the shard and the
 * checkpoint chosen to resume from (if any); keeps the trainer, the engine and the {@link TrainingShard} until
 * {@link #close}, which frees the shard's spill file, closes the engine and gives its device back, and is safe
 * to call more than once.
 */
public final class SlotSession implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SlotSession.class);
    static final int PROGRESS_LINE_SECONDS = 30;

    private final TrainingSettings settings;
    private final int slot;
    private final ClassLabels classes;
    private final ListingSummary listing;
    private final long startMillis;
    private final SlotTrainer trainer;
    private final SlotEngine engine;
    private final Checkpoints checkpoints;
    private final RunOutputs outputs;
    private final RoundClock clock;
    private final TrainingProgress progress;
    private final EpochProgress eta = new EpochProgress(System::nanoTime, TimeUnit.SECONDS.toNanos(PROGRESS_LINE_SECONDS));
    /** The checkpoint's share of the epoch in progress, which round 1 hands to {@link #eta}. */
    private long resumedEpochImages;
    private double resumedEpochSeconds;

    public SlotSession(TrainingSettings settings, int slot, ClassLabels classes, ListingSummary listing, long startMillis,
                       SlotEngine engine, Iterable<DecodedImage> shard, Optional<TrainingState> resumeFrom,
                       TrainingProgress progress) {
        this.settings = settings;
        this.slot = slot;
        this.classes = classes;
        this.listing = listing;
        this.startMillis = startMillis;
        this.checkpoints = new Checkpoints(settings.output());
        this.outputs = new RunOutputs(settings.output());
        TrainingShard images = new TrainingShard(shard, settings.imageCacheMb() * 1024L * 1024L,
                Path.of(System.getProperty("java.io.tmpdir")), settings.seed(), slot);
        this.engine = engine;
        this.trainer = new SlotTrainer(settings, slot, engine.engine(), images, progress);
        this.clock = new RoundClock(progress);
        this.progress = progress;
        long total = engine.engine().model().layout().numParams();
        long sent = total - engine.engine().model().layout().trainedFrom();
        if (slot == 0 && sent < total) {
            LOG.info("--freeze {}: a round sends {} of the {} parameters per slot and payload ({}% of the bytes), frozen layers stay"
                    + " as loaded", settings.freeze(), sent, total, Math.round(100.0 * sent / total));
        }
        resumeFrom.ifPresent(state -> {
            trainer.restore(state);
            resumedEpochImages = state.epochTrain().samples();
            resumedEpochSeconds = state.epochElapsedSeconds();
            LOG.info("slot {} resumes from the checkpoint of step {} ({} epochs done)", slot, state.stepsApplied(),
                    state.epochsCompleted());
        });
    }

    /**
     * Runs round {@code round} (see {@link SlotTrainer#round}) and writes what it produced. A step that
     * runs out of memory (the JVM's, native or the GPU's) fails the job at once with one line naming
     * --batch-size and --accumulate.
     */
    public RoundReport round(int round, RoundReport previous, List<GradientChunk> sums, Consumer<GradientChunk> out) {
        int epochsBefore = trainer.history().size();
        long roundStart = eta.now();
        if (round == 1) { // the epoch's clock starts with training, not with reading the shard
            eta.epochStarted(roundStart);
            eta.resume(resumedEpochImages, resumedEpochSeconds);
        }
        clock.started(System.nanoTime(), engine.engine().gradientNanos());
        RoundReport report;
        try {
            report = trainer.round(round, previous, sums, out);
        } catch (OutOfMemoryError e) {
            throw StepMemory.tooLarge(e, settings);
        } catch (RuntimeException e) {
            throw StepMemory.outOfGpuMemory(e) ? StepMemory.tooLargeOnGpu(e, settings) : e;
        }
        clock.ended(System.nanoTime(), engine.engine().gradientNanos());
        if (trainer.finished() && clock.rounds() > 0) {
            LOG.info("round times: {}", clock.summary(slot));
        }
        trackProgress(previous, report, roundStart);
        TrainingState checkpoint = trainer.takeCheckpoint();
        if (checkpoint != null) {
            checkpoints.write(checkpoint, settings);
        }
        List<EpochMetrics> history = trainer.history();
        if (slot == 0 && history.size() > epochsBefore) {
            LOG.info(history.get(history.size() - 1).logLine(settings.epochs()));
            outputs.writeMetrics(history);
            writeCurves(history);
        }
        if (slot == 0 && trainer.finished()) {
            writeOutputs();
        }
        return report;
    }

    /** Counts the step this round applied and, after an evaluation, starts the next epoch; publishes the estimate. */
    private void trackProgress(RoundReport previous, RoundReport report, long roundStart) {
        if (previous != null && previous.roundSamples > 0) {
            eta.applied(previous.roundSamples);
        }
        if (report.evaluatedEpoch > 0) {
            eta.epochStarted(roundStart);
        }
        if (trainer.finished()) {
            progress.secondsLeft = 0;
            return;
        }
        EpochProgress.Estimate estimate = eta.estimate(progress.epoch, settings.epochs(), trainer.allImages()[0]);
        if (!Double.isNaN(estimate.runSecondsLeft())) { // an epoch's first round knows nothing new: keep the last estimate
            progress.secondsLeft = estimate.runSecondsLeft();
        }
        if (slot == 0) {
            eta.line(estimate).ifPresent(LOG::info);
        }
    }

    /** curves.png, as metrics.jsonl: a picture that cannot be drawn (no AWT in this JVM) is logged, not fatal. */
    private void writeCurves(List<EpochMetrics> history) {
        byte[] png;
        try {
            png = Curves.png(new org.apache.flink.core.fs.Path(settings.output()).getName(), history);
        } catch (RuntimeException | LinkageError | java.awt.AWTError e) {
            LOG.warn("cannot draw {}: {}", Curves.FILE, e.toString());
            return;
        }
        outputs.writeAtomically(Curves.FILE, out -> out.write(png));
    }

    private void writeOutputs() {
        outputs.writeLabels(classes);
        outputs.writeModel(engine.trainedNetwork());
        outputs.writeMetrics(trainer.history());
        outputs.writeLast(RunFiles.SUMMARY, RunSummary.of(settings, classes, listing, trainer.allImages()[0],
                trainer.allImages()[1], engine.engine().model().layout().trainableParams(), trainer.history(),
                trainer.resumedFromSteps(), startMillis));
        LOG.info("wrote model, labels, metrics, summary and _SUCCESS to {}", settings.output());
    }

    public boolean finished() {
        return trainer.finished();
    }

    public SlotTrainer trainer() {
        return trainer;
    }

    @Override
    public void close() {
        try {
            trainer.close();
        } finally {
            engine.close();
        }
    }
}
