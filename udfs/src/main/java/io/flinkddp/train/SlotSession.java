package io.flinkddp.train;

import io.flinkddp.config.TrainingSettings;
import io.flinkddp.data.ClassLabels;
import io.flinkddp.data.DecodedImage;
import io.flinkddp.data.ListingSummary;
import io.flinkddp.output.Checkpoints;
import io.flinkddp.output.RunOutputs;
import io.flinkddp.output.RunSummary;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One slot's training attempt, from its first round to the run's outputs, without Flink: each
 * {@link #round} runs the {@link SlotTrainer}'s round, then writes the checkpoint it took, and on slot 0
 * logs each closed epoch and rewrites {@code metrics.jsonl}; in the round that finishes training, slot 0
 * writes {@code labels.txt}, {@code model.zip}, {@code metrics.jsonl} and {@code summary.json}. Every
 * slot times its rounds ({@link RoundClock}) and logs where they went when training finishes.
 *
 * <p>Created once per attempt with the shard and the checkpoint chosen to resume from (if any); keeps
 * the trainer, its replica and its {@link TrainingShard} until {@link #close}, which frees the shard's
 * spill file and is safe to call more than once.
 */
public final class SlotSession implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SlotSession.class);

    private final TrainingSettings settings;
    private final int slot;
    private final ClassLabels classes;
    private final ListingSummary listing;
    private final long startMillis;
    private final SlotTrainer trainer;
    private final Checkpoints checkpoints;
    private final RunOutputs outputs;
    private final RoundClock clock;

    public SlotSession(TrainingSettings settings, int slot, ClassLabels classes, ListingSummary listing, long startMillis,
                       ComputationGraph net, Iterable<DecodedImage> shard, Optional<TrainingState> resumeFrom,
                       TrainingProgress progress) {
        this.settings = settings;
        this.slot = slot;
        this.classes = classes;
        this.listing = listing;
        this.startMillis = startMillis;
        this.checkpoints = new Checkpoints(settings.output());
        this.outputs = new RunOutputs(settings.output());
        TrainingShard images = new TrainingShard(shard, settings.imageCacheMb() * 1024L * 1024L,
                Path.of(System.getProperty("java.io.tmpdir")), settings.seed(), slot, settings.cropPixels(), classes.numClasses());
        this.trainer = new SlotTrainer(settings, slot, net, images, progress);
        this.clock = new RoundClock(progress);
        long total = trainer.replica().numParams();
        long sent = total - trainer.replica().layout().trainedFrom();
        if (slot == 0 && sent < total) {
            LOG.info("--freeze {}: a round sends {} of the {} parameters per slot and payload ({}% of the bytes), frozen layers stay"
                    + " as loaded", settings.freeze(), sent, total, Math.round(100.0 * sent / total));
        }
        resumeFrom.ifPresent(state -> {
            trainer.restore(state);
            LOG.info("slot {} resumes from the checkpoint of step {} ({} epochs done)", slot, state.stepsApplied(),
                    state.epochsCompleted());
        });
    }

    /**
     * Runs round {@code round} (see {@link SlotTrainer#round}) and writes what it produced. A step that
     * runs out of memory fails the job at once with one line naming --batch-size and --accumulate.
     */
    public RoundReport round(int round, RoundReport previous, List<GradientChunk> sums, Consumer<GradientChunk> out) {
        int epochsBefore = trainer.history().size();
        clock.started(System.nanoTime(), trainer.replica().gradientNanos());
        RoundReport report;
        try {
            report = trainer.round(round, previous, sums, out);
        } catch (OutOfMemoryError e) {
            throw StepMemory.tooLarge(e, settings);
        }
        clock.ended(System.nanoTime(), trainer.replica().gradientNanos());
        if (trainer.finished() && clock.rounds() > 0) {
            LOG.info("round times: {}", clock.summary(slot));
        }
        TrainingState checkpoint = trainer.takeCheckpoint();
        if (checkpoint != null) {
            checkpoints.write(checkpoint, settings);
        }
        List<EpochMetrics> history = trainer.history();
        if (slot == 0 && history.size() > epochsBefore) {
            LOG.info(history.get(history.size() - 1).logLine(settings.epochs()));
            outputs.writeMetrics(history);
        }
        if (slot == 0 && trainer.finished()) {
            writeOutputs();
        }
        return report;
    }

    private void writeOutputs() {
        outputs.writeLabels(classes);
        outputs.writeModel(trainer.replica().network());
        outputs.writeMetrics(trainer.history());
        outputs.writeLast(RunOutputs.SUMMARY, RunSummary.of(settings, classes, listing, trainer.allImages()[0],
                trainer.allImages()[1], trainer.replica().layout().trainableParams(), trainer.history(),
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
        trainer.close();
    }
}
