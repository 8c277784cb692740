package io.flinkddp.functions;

import io.flinkddp.config.TrainingSettings;
import io.flinkddp.data.ClassLabels;
import io.flinkddp.data.DecodedImage;
import io.flinkddp.data.ListingSummary;
import io.flinkddp.model.DeviceClaims;
import io.flinkddp.model.Engines;
import io.flinkddp.model.GpuResources;
import io.flinkddp.model.SlotEngine;
import io.flinkddp.model.weights.InitialWeights;
import io.flinkddp.output.Checkpoints;
import io.flinkddp.session.SlotSession;
import io.flinkddp.train.GradientChunk;
import io.flinkddp.train.RoundReport;
import io.flinkddp.train.RoundReportAggregator;
import io.flinkddp.train.TrainingProgress;
import io.flinkddp.train.TrainingState;
import java.util.Optional;
import org.apache.flink.api.common.functions.IterationRuntimeContext;
import org.apache.flink.api.common.functions.RichMapPartitionFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.util.Collector;

/**
 * train-round: one GPU slot of the bulk iteration. Input: the slot's shard of decoded images (a
 * static input, cached by Flink); broadcasts: the previous round's sums ({@value Names#GRADIENT_SUMS}),
 * the listing ({@value Names#LISTING_SUMMARY}) and the checkpoint to resume from ({@value Names#RESUME_FROM});
 * output: this round's chunks. Each round's work is {@link SlotSession#round}.
 *
 * <p>State kept across rounds (ALL_ROUND): the {@link SlotSession} in {@link #session} (the slot's engine
 * with the model replica, its momentum and sums, and its device claim; the LR scheduler, the metrics
 * history and the shard's decoded images). Flink creates this function once per subtask and calls it
 * every superstep, so the field survives. It is created in the first superstep, the only one that reads the shard input
 * (later supersteps leave Flink's cached copy unread), restored from the checkpoint choose-checkpoint
 * picked, if any; a fresh start loads {@code --init-weights} into the replica first ({@link InitialWeights}).
 * It is released when training finishes, and also when an attempt fails or is cancelled: Flink calls
 * {@link #close} after a superstep that threw, and the job's class-loader release hook covers a cancel
 * between supersteps. Flink restarts a job in the same TaskManager JVM, so nothing
 * of a failed attempt may stay claimed.
 *
 * <p>Engine and device: {@link Engines#forTraining} claims the least-used accelerator of the host
 * ({@link DeviceClaims}) among the GPUs Flink's external resource {@code gpu} gives the TaskManager, if
 * configured ({@link GpuResources}), builds the network and picks the slot's engine; this function does
 * not change when an engine is added.
 */
public class TrainOnSlot extends RichMapPartitionFunction<DecodedImage, GradientChunk> {

    /** Metric group of the training gauges: epoch, round, roundsPerEpoch, learningRate, trainLoss, valLoss, valTop1, imagesPerSecond, roundSeconds, computeSeconds, secondsLeft. */
    public static final String METRIC_GROUP = "training";

    private final TrainingSettings settings;
    private final ClassLabels classes;
    private final long startMillis;
    private transient SlotSession session;
    private transient TrainingProgress progress;
    private transient boolean roundCompleted;

    public TrainOnSlot(TrainingSettings settings, ClassLabels classes, long startMillis) {
        this.settings = settings;
        this.classes = classes;
        this.startMillis = startMillis;
    }

    /** Registers the training gauges (group {@value #METRIC_GROUP}) once: Flink calls open() every superstep on the same instance. */
    @Override
    public void open(Configuration parameters) {
        roundCompleted = false;
        if (progress != null) {
            return;
        }
        progress = new TrainingProgress();
        MetricGroup metrics = getRuntimeContext().getMetricGroup().addGroup(METRIC_GROUP);
        metrics.gauge("epoch", () -> progress.epoch);
        metrics.gauge("round", () -> progress.round);
        metrics.gauge("roundsPerEpoch", () -> progress.roundsPerEpoch);
        metrics.gauge("learningRate", () -> progress.learningRate);
        metrics.gauge("trainLoss", () -> progress.trainLoss);
        metrics.gauge("valLoss", () -> progress.valLoss);
        metrics.gauge("valTop1", () -> progress.valTop1);
        metrics.gauge("imagesPerSecond", () -> progress.imagesPerSecond);
        metrics.gauge("roundSeconds", () -> progress.roundSeconds);
        metrics.gauge("computeSeconds", () -> progress.computeSeconds);
        metrics.gauge("secondsLeft", () -> progress.secondsLeft);
    }

    @Override
    public void mapPartition(Iterable<DecodedImage> shard, Collector<GradientChunk> out) {
        IterationRuntimeContext context = getIterationRuntimeContext();
        if (session == null) {
            start(shard);
        }
        RoundReport report = session.round(context.getSuperstepNumber(), context.getPreviousIterationAggregate(Names.ROUND_REPORT),
                context.getBroadcastVariable(Names.GRADIENT_SUMS), out::collect);
        context.<RoundReportAggregator>getIterationAggregator(Names.ROUND_REPORT).aggregate(report);
        if (session.finished()) {
            release();
        }
        roundCompleted = true;
    }

    private void start(Iterable<DecodedImage> shard) {
        int slot = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        ListingSummary listing = ListingSummary.only(getRuntimeContext().getBroadcastVariable(Names.LISTING_SUMMARY),
                settings.data(), classes);
        Optional<TrainingState> resumeFrom = getRuntimeContext().<String>getBroadcastVariable(Names.RESUME_FROM).stream()
                .findFirst().map(Checkpoints::load);
        getRuntimeContext().registerUserCodeClassLoaderReleaseHookIfAbsent(
                "flink-ddp-train-round-" + slot + "-" + getRuntimeContext().getTaskInfo().getAttemptNumber(), this::release);
        SlotEngine engine = Engines.forTraining(settings, classes.numClasses(),
                GpuResources.indices(getRuntimeContext().getExternalResourceInfos(GpuResources.RESOURCE)), resumeFrom.isEmpty());
        try {
            session = new SlotSession(settings, slot, classes, listing, startMillis, engine, shard, resumeFrom, progress);
        } catch (RuntimeException | Error e) {
            engine.close();
            throw e;
        }
    }

    /** After a superstep that threw (or was cancelled), Flink still closes the function: release what the attempt holds. */
    @Override
    public void close() {
        if (!roundCompleted) {
            release();
        }
    }

    /** Frees the session's spill file, engine and device claim; safe to call more than once and from the release hook. */
    private synchronized void release() {
        try {
            if (session != null) {
                session.close();
            }
        } finally {
            session = null;
        }
    }
}
