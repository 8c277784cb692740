package io.flinkddp.train;

import io.flinkddp.config.TrainingSettings;
import io.flinkddp.data.DecodedImage;
import io.flinkddp.data.ImageCache;
import io.flinkddp.data.ImageBatch;
import io.flinkddp.data.InvalidDataException;
import io.flinkddp.data.Seeds;
import io.flinkddp.data.SplitImage;
import io.flinkddp.model.BatchStats;
import io.flinkddp.model.Replica;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
 *
 * <p>With {@code --local-steps K > 1} a round is K minibatch steps on each replica alone, after which
 * the slots average their parameters and momentum buffers (weighted by images), so the replicas are
 * identical again at every round's end; an epoch is then ceil(largest shard / (batch x K)) rounds.
 *
 * <p>Checkpoints: slot 0 takes a {@link TrainingState} in the round that closes an epoch, and every
 * {@code checkpointEveryRounds} steps, right after applying the step ({@link #takeCheckpoint}). A slot
 * {@link #restore}d from one goes on with the next step: its first round evaluates the epoch if the
 * checkpoint's step ended one, then computes the next gradient.
 */
public final class SlotTrainer {

    private final TrainingSettings settings;
    private final int slot;
    private final int numClasses;
    private final Replica replica;
    /** The shard's decoded images, on the heap up to --image-cache-mb, beyond it in a local spill file. */
    private final ImageCache images;
    /** Indices into {@link #images} of the training and validation images, by their seeded order. */
    private final int[] train;
    private final int[] validation;
    private final ReduceLrOnPlateau scheduler;
    private final List<EpochMetrics> history = new ArrayList<>();
    private final TrainingProgress progress;
    /** Chunks of one full-length vector, and chunks a round sends: one vector (the gradient), or two with local steps (move, momentum). */
    private final int gradientChunks;
    private final int chunkCount;
    private final List<Long> resumedFromSteps = new ArrayList<>();
    private long roundsPerEpoch;
    /** SGD steps applied so far: the next gradient is that of step {@code stepsApplied}. */
    private long stepsApplied;
    /** Steps of the checkpoint this slot resumed from (0 for a fresh start). */
    private long stepsRestored;
    private int lastEvaluatedEpoch;
    private TrainingState checkpoint;
    private long allTrainImages;
    private long allValidationImages;
    /** Training loss and accuracy sums of the current epoch's applied steps, over all slots (the same on every slot). */
    private BatchStats epochTrain = BatchStats.EMPTY;
    /** The evaluated epoch's training sums, until the next round closes it. */
    private BatchStats evaluatedTrain = BatchStats.EMPTY;
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
        this.images = new ImageCache(settings.imageCacheMb() * 1024L * 1024L, Path.of(System.getProperty("java.io.tmpdir")));
        List<Integer> trainIndices = new ArrayList<>();
        List<Integer> validationIndices = new ArrayList<>();
        for (DecodedImage image : shard) {
            (image.role == SplitImage.TRAIN ? trainIndices : validationIndices).add(images.size());
            images.add(image);
        }
        this.train = byOrder(trainIndices);
        this.validation = byOrder(validationIndices);
        this.scheduler = new ReduceLrOnPlateau(settings.learningRate(), settings.lrPatienceEpochs(), settings.lrFactor());
        this.gradientChunks = (int) ((replica.numParams() + settings.gradientChunkFloats() - 1) / settings.gradientChunkFloats());
        this.chunkCount = settings.localSteps() > 1 ? 2 * gradientChunks : gradientChunks;
        progress.learningRate = settings.learningRate();
    }

    /**
     * Puts this slot back where a checkpoint left it (call before the first round). The next round
     * then goes on with the step after the checkpoint's last, in the same batch order.
     */
    public void restore(TrainingState state) {
        replica.restore(state.parameters(), state.velocity());
        stepsApplied = state.stepsApplied();
        stepsRestored = state.stepsApplied();
        roundsPerEpoch = state.roundsPerEpoch();
        allTrainImages = state.allTrainImages();
        allValidationImages = state.allValidationImages();
        scheduler.restore(state.learningRate(), state.bestValidationLoss(), state.badEpochs());
        epochTrain = state.epochTrain();
        epochStartNanos = System.nanoTime() - (long) (state.epochElapsedSeconds() * 1e9);
        history.addAll(state.history());
        lastEvaluatedEpoch = history.size();
        resumedFromSteps.addAll(state.resumedFromSteps());
        resumedFromSteps.add(state.stepsApplied());
        finished = history.size() >= settings.epochs();
        progress.roundsPerEpoch = roundsPerEpoch;
        progress.learningRate = scheduler.learningRate();
        if (!history.isEmpty()) {
            progress.epochClosed(history.get(history.size() - 1), scheduler.learningRate());
        }
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
        progress.round = (int) (round + stepsRestored);
        if (round == 1) {
            report.trainImages = train.length;
            report.validationImages = validation.length;
            report.largestTrainShard = train.length;
            report.restoredStepsMin = stepsRestored;
            report.restoredStepsMax = stepsRestored;
        } else {
            if (round == 2) {
                startEpochs(previous);
            }
            boolean epochClosed = previous.evaluatedEpoch > 0;
            if (epochClosed) {
                closeEpoch(previous);
            }
            boolean applied = !sums.isEmpty();
            if (applied) {
                apply(sums, previous.roundSamples);
                epochTrain = epochTrain.plus(previous.roundTrain);
            }
            if (slot == 0 && (epochClosed || applied && settings.checkpointEveryRounds() > 0
                    && stepsApplied % settings.checkpointEveryRounds() == 0)) {
                checkpoint = snapshot();
            }
        }
        if (!finished && roundsPerEpoch > 0 && stepsApplied % roundsPerEpoch == 0 && stepsApplied / roundsPerEpoch > lastEvaluatedEpoch) {
            evaluate((int) (stepsApplied / roundsPerEpoch), report);
        }
        report.finished = finished;
        if (!finished && (roundsPerEpoch == 0 || stepsApplied < settings.epochs() * roundsPerEpoch)) {
            computeGradient(stepsApplied, report, out);
        }
        return report;
    }

    /** Round 2: what every slot reported in round 1 fixes the epoch length; a resumed run checks it. */
    private void startEpochs(RoundReport firstRound) {
        requireDecodedImages(firstRound);
        if (firstRound.restoredStepsMin != firstRound.restoredStepsMax) {
            throw new IllegalStateException("the slots resumed from different checkpoints (steps " + firstRound.restoredStepsMin
                    + " and " + firstRound.restoredStepsMax + ")");
        }
        long imagesPerRound = (long) settings.batchSizePerSlot() * settings.localSteps();
        long epochLength = (firstRound.largestTrainShard + imagesPerRound - 1) / imagesPerRound;
        if (stepsRestored > 0 && epochLength != roundsPerEpoch) {
            throw new InvalidDataException("the checkpoint under " + settings.output() + " was written with " + roundsPerEpoch
                    + " rounds per epoch, but the images under " + settings.data() + " now give " + epochLength
                    + ": the image set changed; resume with the same images or start a new --output");
        }
        roundsPerEpoch = epochLength;
        allTrainImages = firstRound.trainImages;
        allValidationImages = firstRound.validationImages;
        progress.roundsPerEpoch = roundsPerEpoch;
    }

    /** The state at this point of the round: after the step was applied, before its evaluation and the next gradient. */
    private TrainingState snapshot() {
        return new TrainingState(stepsApplied, roundsPerEpoch, allTrainImages, allValidationImages, scheduler.learningRate(),
                scheduler.best(), scheduler.badEpochs(), epochTrain, (System.nanoTime() - epochStartNanos) / 1e9, history,
                resumedFromSteps, replica.parameters(), replica.momentum());
    }

    /** The checkpoint this round took (slot 0 only), once; null if none is due. */
    public TrainingState takeCheckpoint() {
        TrainingState taken = checkpoint;
        checkpoint = null;
        return taken;
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
        EpochMetrics metrics = EpochMetrics.of(previous.evaluatedEpoch, evaluatedTrain, previous.validation,
                scheduler.learningRate(), evaluatedEpochSeconds);
        history.add(metrics);
        progress.epochClosed(metrics, scheduler.step(metrics.valLoss()));
        finished = metrics.epoch() >= settings.epochs();
    }

    private void apply(List<GradientChunk> sums, long samples) {
        if (sums.size() != chunkCount) {
            throw new IllegalStateException("expected " + chunkCount + " gradient chunks, received " + sums.size());
        }
        for (GradientChunk chunk : sums) {
            long offset = (long) (chunk.index % gradientChunks) * settings.gradientChunkFloats();
            if (chunk.index < gradientChunks) {
                replica.putGradientSum(offset, chunk.values);
            } else {
                replica.putMomentumSum(offset, chunk.values);
            }
        }
        if (settings.localSteps() > 1) {
            replica.applyAverages(samples);
        } else {
            replica.applyGradientSum(samples, scheduler.learningRate(), settings.momentum());
        }
        stepsApplied++;
    }

    private void evaluate(int epoch, RoundReport report) {
        lastEvaluatedEpoch = epoch;
        report.evaluatedEpoch = epoch;
        evaluatedTrain = epochTrain;
        epochTrain = BatchStats.EMPTY;
        BatchStats scores = BatchStats.EMPTY;
        for (int from = 0; from < validation.length; from += settings.batchSizePerSlot()) {
            int[] batch = Arrays.copyOfRange(validation, from, Math.min(from + settings.batchSizePerSlot(), validation.length));
            scores = scores.plus(replica.evaluate(ImageBatch.features(pixels(batch), settings.cropPixels()), labels(batch)));
        }
        report.validation = scores;
        long fingerprint = replica.fingerprint();
        report.fingerprintMin = fingerprint;
        report.fingerprintMax = fingerprint;
        evaluatedEpochSeconds = (System.nanoTime() - epochStartNanos) / 1e9;
    }

    /**
     * Computes round {@code step}'s work and emits it in chunks. With one local step (exact DDP): the
     * gradient of the step's minibatch, as a sum over its images. With K local steps: K minibatch steps
     * on this replica alone, then its parameter move and momentum buffer, each multiplied by its image
     * count, so that the all-slot sums divided by all images are image-weighted averages.
     */
    private void computeGradient(long step, RoundReport report, Consumer<GradientChunk> out) {
        int epoch = step == 0 ? 0 : (int) (step / roundsPerEpoch);
        int roundOfEpoch = step == 0 ? 0 : (int) (step % roundsPerEpoch);
        if (roundOfEpoch == 0) {
            epochStartNanos = System.nanoTime();
        }
        progress.epoch = epoch + 1;
        int localSteps = settings.localSteps();
        BatchStats roundStats = BatchStats.EMPTY;
        if (localSteps > 1) {
            replica.beginLocalSteps();   // also on a slot without images left: it applies the others' averages from here
        }
        for (int k = 0; k < localSteps; k++) {
            int from = (roundOfEpoch * localSteps + k) * settings.batchSizePerSlot();
            int to = Math.min(from + settings.batchSizePerSlot(), train.length);
            if (from >= to) {
                break;
            }
            int[] positions = orderOf(epoch);
            int[] batch = new int[to - from];
            for (int i = from; i < to; i++) {
                batch[i - from] = train[positions[i]];
            }
            int[] labels = labels(batch);
            BatchStats stats = replica.computeGradient(ImageBatch.features(pixels(batch), settings.cropPixels()),
                    ImageBatch.oneHot(labels, numClasses), labels);
            roundStats = roundStats.plus(stats);
            if (localSteps > 1) {
                replica.applyLocalStep(stats.samples(), scheduler.learningRate(), settings.momentum());
            }
        }
        if (roundStats.samples() == 0) {
            return;
        }
        report.roundTrain = roundStats;
        report.roundSamples = roundStats.samples();
        if (localSteps > 1) {
            replica.finishLocalSteps(roundStats.samples());
        }
        long numParams = replica.numParams();
        for (int i = 0; i < chunkCount; i++) {
            long offset = (long) (i % gradientChunks) * settings.gradientChunkFloats();
            float[] values = new float[(int) Math.min(settings.gradientChunkFloats(), numParams - offset)];
            if (i < gradientChunks) {
                replica.copyGradient(offset, values);
            } else {
                replica.copyMomentum(offset, values);
            }
            out.accept(new GradientChunk(i, values, settings.wirePrecision()));
        }
    }

    /** This epoch's visiting order of the training shard: a permutation seeded by (seed, epoch, slot). */
    private int[] orderOf(int epoch) {
        if (epoch != orderEpoch) {
            order = new int[train.length];
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

    private int[] byOrder(List<Integer> indices) {
        return indices.stream().sorted(Comparator.comparingLong(images::order)).mapToInt(Integer::intValue).toArray();
    }

    private List<byte[]> pixels(int[] batch) {
        List<byte[]> pixels = new ArrayList<>(batch.length);
        for (int index : batch) {
            pixels.add(images.pixels(index));
        }
        return pixels;
    }

    private int[] labels(int[] batch) {
        return Arrays.stream(batch).map(images::label).toArray();
    }

    /** Frees the spill file of the shard's images. */
    public void close() {
        images.close();
    }

    public boolean finished() {
        return finished;
    }

    public List<EpochMetrics> history() {
        return history;
    }

    /** Steps of the checkpoints this run resumed from, oldest first (empty if it never resumed). */
    public List<Long> resumedFromSteps() {
        return resumedFromSteps;
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
