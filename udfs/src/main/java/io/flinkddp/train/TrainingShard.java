package io.flinkddp.train;

import io.flinkddp.data.DecodedImage;
import io.flinkddp.data.ImageCache;
import io.flinkddp.data.Seeds;
import io.flinkddp.data.SplitImage;
import io.flinkddp.model.BatchStats;
import io.flinkddp.model.ReplicaEngine;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.commons.math3.random.Well19937c;
import org.apache.commons.math3.util.MathArrays;

/**
 * One slot's decoded images, kept between rounds: its training and validation images in their
 * seeded split order, in an {@link ImageCache} (heap up to a budget, then a local spill file), and each
 * epoch's visiting order of the training images, a permutation seeded by (seed, epoch, slot). Hands out
 * minibatches as the engines take them (uint8 pixels and class indices). Owns the cache: {@link #close}
 * frees its spill file.
 */
public final class TrainingShard implements AutoCloseable {

    /** A minibatch: each image's pixels (uint8, height x width x RGB) and class index. */
    public record Minibatch(List<byte[]> pixels, int[] labels) {
    }

    private final ImageCache images;
    private final int[] train;
    private final int[] validation;
    private final long seed;
    private final int slot;
    private int[] order;
    private int orderEpoch = -1;

    public TrainingShard(Iterable<DecodedImage> shard, long imageCacheBytes, Path spillDirectory, long seed, int slot) {
        this.images = new ImageCache(imageCacheBytes, spillDirectory);
        this.seed = seed;
        this.slot = slot;
        List<Integer> trainIndices = new ArrayList<>();
        List<Integer> validationIndices = new ArrayList<>();
        for (DecodedImage image : shard) {
            (image.role == SplitImage.TRAIN ? trainIndices : validationIndices).add(images.size());
            images.add(image);
        }
        this.train = byOrder(trainIndices);
        this.validation = byOrder(validationIndices);
    }

    public int trainSize() {
        return train.length;
    }

    public int validationSize() {
        return validation.length;
    }

    /** Training images at positions [from, to) of epoch {@code epoch}'s order. */
    public Minibatch train(int epoch, int from, int to) {
        int[] positions = orderOf(epoch);
        int[] batch = new int[to - from];
        for (int i = from; i < to; i++) {
            batch[i - from] = train[positions[i]];
        }
        return minibatch(batch);
    }

    /** Validation images [from, to) in split order. */
    public Minibatch validation(int from, int to) {
        return minibatch(Arrays.copyOfRange(validation, from, to));
    }

    /** The validation images' loss and top-k sums under {@code engine} in inference mode, {@code batchSize} at a time. */
    public BatchStats scoreValidation(ReplicaEngine engine, int batchSize) {
        BatchStats scores = BatchStats.EMPTY;
        for (int from = 0; from < validation.length; from += batchSize) {
            Minibatch batch = validation(from, Math.min(from + batchSize, validation.length));
            scores = scores.plus(engine.evaluate(batch.pixels(), batch.labels()));
        }
        return scores;
    }

    private Minibatch minibatch(int[] batch) {
        List<byte[]> pixels = new ArrayList<>(batch.length);
        for (int index : batch) {
            pixels.add(images.pixels(index));
        }
        return new Minibatch(pixels, Arrays.stream(batch).map(images::label).toArray());
    }

    /** This epoch's visiting order: a Fisher-Yates shuffle by a generator seeded with (seed, epoch, slot). */
    private int[] orderOf(int epoch) {
        if (epoch != orderEpoch) {
            order = MathArrays.natural(train.length);
            MathArrays.shuffle(order, new Well19937c(Seeds.mix(seed, epoch, slot)));
            orderEpoch = epoch;
        }
        return order;
    }

    private int[] byOrder(List<Integer> indices) {
        return indices.stream().sorted(Comparator.comparingLong(images::order)).mapToInt(Integer::intValue).toArray();
    }

    /** Frees the spill file. */
    @Override
    public void close() {
        images.close();
    }
}
