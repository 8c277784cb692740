package io.flinkddp.train;

import io.flinkddp.config.TrainingSettings;
import io.flinkddp.data.DecodedImage;
import io.flinkddp.data.ImageBatch;
import io.flinkddp.data.InvalidDataException;
import io.flinkddp.data.Seeds;
import io.flinkddp.data.SplitImage;
import io.flinkddp.model.BatchStats;
import io.flinkddp.model.Replica;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * One slot's share of synchronous data-parallel training, one round at a time, without Flink.
 *
 * <p>Round r (1-based) computes the gradient of global step r-1; round r+1 applies the sum of all
 * slots' step r-1 gradients. In between, Flink sums the chunks and aggregates the
 * {@link RoundReport}s. A round, in order:
 * <ol>
 *   <li>closes the epoch whose evaluation the previous round reported (metrics, LR scheduler);</li>
 *   <li>applies the previous round's gradient sum;</li>
 *   <li>when that step ended an epoch, scores the validation shard;</li>
 *   <li>computes the gradient of its next minibatch and emits it in chunks.</li>
 * </ol>
 * An epoch is one pass over the largest training shard (known from the first round's reports), each
 * in a fresh order seeded by (seed, epoch, slot). Training finishes in the round that closes the last
 * epoch: {@code epochs x roundsPerEpoch + 2} rounds in all.
 */
public final class SlotTrainer {

    private final TrainingSettings settings;
    private final int slot;
    private final int numClasses;
    private final Replica replica;
    private final List<DecodedImage> train = new ArrayList<>();
    private final List<DecodedImage> validation = new ArrayList<>();
    private final ReduceLrOnPlateau scheduler;
    private final List<EpochMetrics> history = new ArrayList<>();
    private final TrainingProgress progress;
    private final int chunkCount;
    private long roundsPerEpoch;
    private long allTrainImages;
    private long allValidationImages;
    private BatchStats epochTrain = BatchStats.EMPTY;
    private long epochStartNanos;
    private double evaluatedEpochSeconds;
    private int[] order;
    private int orderEpoch = -1;
    private boolean finished;

    public SlotTrainer(TrainingSettings settings, int slot, int numClasses, ComputationGraph net, Iterable<DecodedImage> shard,
                       TrainingProgress progress) {
        this.settings = settings;
        this.progress = progress;
        this.slot = slot;
        this.numClasses = numClasses;
        this.replica = new Replica(net);
        for (DecodedImage image : shard) {
            (image.role == SplitImage.TRAIN ? train : validation).add(image);
        }
        train.sort(Comparator.comparingLong(image -> image.order));
        validation.sort(Comparator.comparingLong(image -> image.order));
        this.scheduler = new ReduceLrOnPlateau(settings.learningRate(), settings.lrPatienceEpochs(), settings.lrFactor());
        this.chunkCount = (int) ((replica.numParams() + settings.gradientChunkFloats() - 1) / settings.gradientChunkFloats());
        progress.learningRate = settings.learningRate();
    }

    /**
     * Runs round {@code round}.
     *
     * @param previous all slots' reports of the previous round, aggregated (null in round 1)
     * @param sums     the previous round's gradient sum, in chunks (empty when it computed none)
     * @param out      receives this round's gradient chunks
     * @return this slot's report of this round
     */
    public RoundReport round(int round, RoundReport previous, List<GradientChunk> sums, Consumer<GradientChunk> out) {
        RoundReport report = new RoundReport();
        long step = round - 1;
        progress.round = round;
        if (round == 1) {
            report.trainImages = train.size();
            report.validationImages = validation.size();
            report.largestTrainShard = train.size();
        } else {
            if (round == 2) {
                requireDecodedImages(previous);
                roundsPerEpoch = (previous.largestTrainShard + settings.batchSizePerSlot() - 1) / settings.batchSizePerSlot();
                allTrainImages = previous.trainImages;
                allValidationImages = previous.validationImages;
                progress.roundsPerEpoch = roundsPerEpoch;
            }
            if (previous.evaluatedEpoch > 0) {
                closeEpoch(previous);
            }
            if (!sums.isEmpty()) {
                apply(sums, previous.roundSamples);
            }
            if (step % roundsPerEpoch == 0 && !finished) {
                evaluate((int) (step / roundsPerEpoch), report);
            }
        }
        report.finished = finished;
        if (!finished && (round == 1 || step < settings.epochs() * roundsPerEpoch)) {
            computeGradient(step, report, out);
        }
        return report;
    }

    private void requireDecodedImages(RoundReport firstRound) {
        if (firstRound.trainImages == 0 || firstRound.validationImages == 0) {
            throw new InvalidDataException("no " + (firstRound.trainImages == 0 ? "training" : "validation")
                    + " image under " + settings.data() + " could be decoded (the log names each skipped file)");
        }
    }

    private void closeEpoch(RoundReport previous) {
        if (!previous.replicasIdentical()) {
            throw new IllegalStateException("the model replicas diverged: their parameters differ after epoch "
                    + previous.evaluatedEpoch + "; every slot must apply the same gradient sum");
        }
        EpochMetrics metrics = EpochMetrics.of(previous.evaluatedEpoch, previous.train, previous.validation,
                scheduler.learningRate(), evaluatedEpochSeconds);
        history.add(metrics);
        progress.epochClosed(metrics, scheduler.step(metrics.valLoss()));
        finished = metrics.epoch() == settings.epochs();
    }

    private void apply(List<GradientChunk> sums, long samples) {
        if (sums.size() != chunkCount) {
            throw new IllegalStateException("expected " + chunkCount + " gradient chunks, received " + sums.size());
        }
        for (GradientChunk chunk : sums) {
            replica.putGradientSum((long) chunk.index * settings.gradientChunkFloats(), chunk.values);
        }
        replica.applyGradientSum(samples, scheduler.learningRate(), settings.momentum());
    }

    private void evaluate(int epoch, RoundReport report) {
        report.evaluatedEpoch = epoch;
        report.train = epochTrain;
        epochTrain = BatchStats.EMPTY;
        BatchStats scores = BatchStats.EMPTY;
        for (int from = 0; from < validation.size(); from += settings.batchSizePerSlot()) {
            List<DecodedImage> batch = validation.subList(from, Math.min(from + settings.batchSizePerSlot(), validation.size()));
            scores = scores.plus(replica.evaluate(ImageBatch.features(pixels(batch), settings.cropPixels()), labels(batch)));
        }
        report.validation = scores;
        long fingerprint = replica.fingerprint();
        report.fingerprintMin = fingerprint;
        report.fingerprintMax = fingerprint;
        evaluatedEpochSeconds = (System.nanoTime() - epochStartNanos) / 1e9;
    }

    private void computeGradient(long step, RoundReport report, Consumer<GradientChunk> out) {
        int epoch = step == 0 ? 0 : (int) (step / roundsPerEpoch);
        int batchIndex = step == 0 ? 0 : (int) (step % roundsPerEpoch);
        if (batchIndex == 0) {
            epochStartNanos = System.nanoTime();
        }
        progress.epoch = epoch + 1;
        int from = batchIndex * settings.batchSizePerSlot();
        int to = Math.min(from + settings.batchSizePerSlot(), train.size());
        if (from >= to) {
            return;
        }
        int[] positions = orderOf(epoch);
        List<DecodedImage> batch = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            batch.add(train.get(positions[i]));
        }
        int[] labels = labels(batch);
        BatchStats stats = replica.computeGradient(ImageBatch.features(pixels(batch), settings.cropPixels()),
                ImageBatch.oneHot(labels, numClasses), labels);
        epochTrain = epochTrain.plus(stats);
        report.roundSamples = stats.samples();
        long numParams = replica.numParams();
        for (int i = 0; i < chunkCount; i++) {
            long offset = (long) i * settings.gradientChunkFloats();
            float[] values = new float[(int) Math.min(settings.gradientChunkFloats(), numParams - offset)];
            replica.copyGradient(offset, values);
            out.accept(new GradientChunk(i, values, settings.wirePrecision()));
        }
    }

    /** This epoch's visiting order of the training shard: a permutation seeded by (seed, epoch, slot). */
    private int[] orderOf(int epoch) {
        if (epoch != orderEpoch) {
            order = new int[train.size()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Random random = new Random(Seeds.mix(settings.seed(), epoch, slot));
            for (int i = order.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int swap = order[i];
                order[i] = order[j];
                order[j] = swap;
            }
            orderEpoch = epoch;
        }
        return order;
    }

    private static List<byte[]> pixels(List<DecodedImage> batch) {
        List<byte[]> pixels = new ArrayList<>(batch.size());
        for (DecodedImage image : batch) {
            pixels.add(image.pixels);
        }
        return pixels;
    }

    private static int[] labels(List<DecodedImage> batch) {
        return batch.stream().mapToInt(image -> image.label).toArray();
    }

    public boolean finished() {
        return finished;
    }

    public List<EpochMetrics> history() {
        return history;
    }

    public Replica replica() {
        return replica;
    }

    public long allTrainImages() {
        return allTrainImages;
    }

    public long allValidationImages() {
        return allValidationImages;
    }
}
