package io.flinkddp.model;

import java.util.List;

/**
 * One model replica for a whole training attempt (or a scoring pass), wherever it computes: its
 * parameters, momentum, gradient and the round's sums live in the engine ({@link EngineBuffer}), and
 * every method takes and gives host types only (no ND4J or DL4J type), so that an engine without ND4J
 * (the GPU engine) fits behind it and this interface loads on a bare JRE.
 *
 * <p>Images come as the image cache keeps them: uint8 RGB, height x width x 3, of the crop side the
 * engine was made for, with int class labels; the engine normalises them itself (ImageNet mean and
 * standard deviation, as torchvision's {@code Normalize}). Gradients are sums over a minibatch's images
 * and batch-norm running-statistic deltas are multiplied by its image count, so that the all-slot sum
 * divided by the all-slot image count is the combined batch's mean gradient.
 *
 * <p>The update rules ({@code io.flinkddp.train.UpdateRule}) are written against the few whole-buffer
 * primitives below and the one SGD step; the round moves slices with {@link #copyOut} and {@link #putIn}.
 * {@link #close} frees everything the engine holds; an engine is not thread-safe.
 */
public interface ReplicaEngine extends AutoCloseable {

    /** The network this engine runs. */
    ModelDescription model();

    /**
     * Forward in training mode and backward on one minibatch: the gradient into {@link EngineBuffer#GRADIENT}
     * (as sums, see the class comment; frozen entries stay zero), the running statistics' deltas with it.
     * Returns the forward's loss and top-k sums.
     */
    BatchStats computeGradient(List<byte[]> images, int[] labels);

    /** Inference mode (batch norm on its running statistics, as PyTorch's {@code eval()}): loss and top-k sums. */
    BatchStats evaluate(List<byte[]> images, int[] labels);

    /** Inference-mode logits [image][class], from which scoring takes its probabilities. */
    float[][] logits(List<byte[]> images);

    /** Copies {@code values.length} entries of {@code from}, from {@code offset} on, into {@code values}. */
    void copyOut(EngineBuffer from, long offset, float[] values);

    /** Writes {@code values} into {@code to} at entries [{@code offset}, + values.length). */
    void putIn(EngineBuffer to, long offset, float[] values);

    /** {@code to = from}. */
    void copy(EngineBuffer from, EngineBuffer to);

    /** {@code buffer = 0}. */
    void zero(EngineBuffer buffer);

    /** {@code to += alpha * from}, element by element in float32. */
    void axpy(float alpha, EngineBuffer from, EngineBuffer to);

    /** {@code buffer *= factor}. */
    void scale(EngineBuffer buffer, float factor);

    /** {@code buffer /= divisor} (a division, not a multiplication by its inverse). */
    void divide(EngineBuffer buffer, float divisor);

    /**
     * The SGD step, as {@code torch.optim.SGD(momentum=m)} (no dampening, no weight decay) with the mean
     * gradient {@code sum / samples}: on trained entries {@code v = m v + sum / samples; p -= lr v}; on the
     * batch-norm running statistics {@code p -= sum / samples} (their deltas, applied as they are). Leaves
     * {@code sum} as it was. Frozen entries have a zero sum and stay as they are.
     */
    void sgdStep(EngineBuffer sum, long samples, double learningRate, double momentum);

    /** A copy of a whole buffer (parameters and momentum for a checkpoint or model.zip). */
    float[] read(EngineBuffer buffer);

    /** Replaces a whole buffer (a checkpoint's parameters and momentum, loaded weights). */
    void write(EngineBuffer buffer, float[] values);

    /** Who hears of gradient ranges as they become final ({@link GradientListener#NONE} by default). */
    void onGradientFinal(GradientListener listener);

    /** Nanoseconds spent in {@link #computeGradient}'s forward and backward passes so far. */
    long gradientNanos();

    /** Bytes of memory the engine itself holds now (its buffers and workspaces; 0 once closed). */
    long heldBytes();

    /** A hash of every parameter bit: equal on two replicas exactly when their parameters are equal (up to collisions). */
    default long fingerprint() {
        return fingerprintOf(read(EngineBuffer.PARAMETERS));
    }

    static long fingerprintOf(float[] values) {
        long hash = 1125899906842597L;
        for (float value : values) {
            hash = 31 * hash + Float.floatToRawIntBits(value);
        }
        return hash;
    }

    /** Frees what the engine holds; later calls fail. Safe to call more than once. */
    @Override
    void close();
}
