package io.flinkddp.functions;

import io.flinkddp.config.TrainingSettings;
import io.flinkddp.data.DecodedImage;
import io.flinkddp.data.ListingSummary;
import io.flinkddp.model.DeviceBinding;
import io.flinkddp.model.DeviceClaim;
import io.flinkddp.model.DeviceClaims;
import io.flinkddp.model.Networks;
import io.flinkddp.output.Checkpoints;
import io.flinkddp.output.RunOutputs;
import io.flinkddp.output.RunSummary;
import io.flinkddp.train.EpochMetrics;
import io.flinkddp.train.GradientChunk;
import io.flinkddp.train.RoundReport;
import io.flinkddp.train.RoundReportAggregator;
import io.flinkddp.train.SlotTrainer;
import io.flinkddp.train.TrainingProgress;
import io.flinkddp.train.TrainingState;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.MetricGroup;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.IterationRuntimeContext;
import org.apache.flink.api.common.functions.RichMapPartitionFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * train-round: one GPU slot of the bulk iteration. Input: the slot's shard of decoded images (a
 * static input, cached by Flink); broadcast: the previous round's gradient sum ({@value Names#GRADIENT_SUMS});
 * output: this round's gradient in chunks. Each round's work is {@link SlotTrainer#round}.
 *
 * <p>State kept across rounds (ALL_ROUND): the {@link SlotTrainer} in {@link #trainer}, holding the
 * model replica, its momentum buffer, the LR scheduler, the metrics history and the shard's decoded
 * images. Flink creates this function once per subtask and calls it every superstep, so the field
 * survives. It is created in the first superstep, which is the only one that reads the shard input
 * (later supersteps leave Flink's cached copy unread, so nothing is deserialized again), restored from
 * the newest complete checkpoint under {@code <output>/checkpoints} if there is one (a Flink restart
 * or a resubmission), and freed in the final superstep after slot 0 wrote the run's outputs. Slot 0
 * also logs each epoch, rewrites metrics.jsonl as epochs complete, and writes the checkpoints
 * ({@link Checkpoints}) the trainer takes.
 *
 * <p>Device: before creating the replica, the subtask claims the least-used accelerator of its
 * TaskManager ({@link DeviceClaims}), so the slots of a multi-GPU TaskManager each get their own GPU;
 * it releases the claim when training ends. With nd4j-native every slot uses the CPU.
 */
public class TrainOnSlot extends RichMapPartitionFunction<DecodedImage, GradientChunk> {

    private static final Logger LOG = LoggerFactory.getLogger(TrainOnSlot.class);
    /** Metric group of the training gauges: epoch, round, roundsPerEpoch, learningRate, trainLoss, valLoss, valTop1, imagesPerSecond. */
    public static final String METRIC_GROUP = "training";

    private final TrainingSettings settings;
    private final List<String> classNames;
    private final long startMillis;
    private transient SlotTrainer trainer;
    private transient DeviceClaim device;
    private transient TrainingProgress progress;

    public TrainOnSlot(TrainingSettings settings, List<String> classNames, long startMillis) {
        this.settings = settings;
        this.classNames = new ArrayList<>(classNames);
        this.startMillis = startMillis;
    }

    /**
     * Registers the training gauges (group {@value #METRIC_GROUP}) once: Flink calls open() every
     * superstep on the same instance.
     */
    @Override
    public void open(Configuration parameters) {
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
    }

    @Override
    public void mapPartition(Iterable<DecodedImage> shard, Collector<GradientChunk> out) {
        IterationRuntimeContext context = getIterationRuntimeContext();
        int round = context.getSuperstepNumber();
        int slot = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        if (trainer == null) {
            ListingSummary.only(getRuntimeContext().getBroadcastVariable(Names.LISTING_SUMMARY), settings.data(), classNames);
            device = DeviceBinding.claimForCurrentThread();
            trainer = new SlotTrainer(settings, slot, classNames.size(), Networks.build(settings, classNames.size()), shard, progress);
            new Checkpoints(settings.output()).loadNewest(settings).ifPresent(state -> {
                trainer.restore(state);
                LOG.info("slot {} resumes from the checkpoint of step {} ({} epochs done)", slot, state.stepsApplied(),
                        state.epochsCompleted());
            });
        }
        RoundReport previous = context.getPreviousIterationAggregate(Names.ROUND_REPORT);
        List<GradientChunk> sums = context.getBroadcastVariable(Names.GRADIENT_SUMS);
        int epochsBefore = trainer.history().size();
        RoundReport report = trainer.round(round, previous, sums, out::collect);
        context.<RoundReportAggregator>getIterationAggregator(Names.ROUND_REPORT).aggregate(report);
        TrainingState checkpoint = trainer.takeCheckpoint();
        if (checkpoint != null) {
            new Checkpoints(settings.output()).write(checkpoint, settings);
        }

        if (slot == 0 && trainer.history().size() > epochsBefore) {
            List<EpochMetrics> history = trainer.history();
            LOG.info(history.get(history.size() - 1).logLine(settings.epochs()));
            new RunOutputs(settings.output()).writeMetrics(history);
        }
        if (trainer.finished()) {
            if (slot == 0) {
                writeOutputs();
            }
            trainer.close();
            trainer = null;
            device.close();
        }
    }

    private void writeOutputs() {
        ListingSummary listing = getRuntimeContext().<ListingSummary>getBroadcastVariable(Names.LISTING_SUMMARY).get(0);
        RunOutputs outputs = new RunOutputs(settings.output());
        outputs.writeLabels(classNames);
        outputs.writeModel(trainer.replica().network());
        outputs.writeMetrics(trainer.history());
        outputs.writeSummary(RunSummary.of(settings, classNames, listing, trainer.allTrainImages(),
                trainer.allValidationImages(), trainer.replica().layout().trainableParams(), trainer.history(),
                trainer.resumedFromSteps(), startMillis));
        LOG.info("wrote model, labels, metrics and summary to {}", settings.output());
    }
}
