package io.flinkddp.model.gpu;

import java.util.List;
import java.util.Map;

/**
 * The operations the GPU engine's graph ({@link GpuGraph}) is made of, on {@link GpuBuffer}s, NCHW: parameters,
 * their gradients and batch norm's statistics float32, activations and their gradients of the precision's
 * {@link #activations} kind (an operation takes its kinds from its buffers, computing in float32 within): on a GPU ({@link CudaOps}: cuDNN, cuBLAS and NVRTC kernels, queued in order on one stream) or
 * as plain Java loops on the CPU ({@link HostOps}, the reference that lets the engine's logic be tested
 * without a GPU). Calls return once queued; {@link #download} waits for what was queued before it.
 * A step's operations can be captured once and replayed ({@link #beginCapture}): the batch goes through
 * {@link #stage}, which a replay reads at launch. Batch norm follows cuDNN's spatial mode: the batch's biased variance normalises, the running
 * variance moves towards the unbiased one by {@code momentum} (PyTorch's meaning).
 */
public interface GpuOps extends AutoCloseable {

    /** Zeroed memory that lives until {@link #close}. */
    GpuBuffer allocate(long floats);

    /** Workspace of a step (uninitialised), reused once given back. */
    GpuBuffer take(long count, Element element);

    /** Float32 workspace. */
    default GpuBuffer take(long floats) {
        return take(floats, Element.F32);
    }

    /** What activations and their gradients are at this precision (float32, or bfloat16 for {@link Precision#BF16}). */
    Element activations();

    /** {@code to = from}, each element converted to {@code to}'s kind (rounded to nearest even into bfloat16). */
    void cast(GpuBuffer from, GpuBuffer to, long n);

    void give(GpuBuffer buffer);

    void upload(float[] values, int from, GpuBuffer to, int count);

    /** Copies {@code count} floats down into {@code values} from {@code at}, once everything queued before is done. */
    void download(GpuBuffer from, float[] values, int at, int count);

    /**
     * Copies a batch into host staging memory (pinned on a GPU): uint8 images (n x side x side x RGB) and the
     * labels (null for inference). The device reads it when {@link #normalizeImages} and
     * {@link #softmaxCrossEntropyGradient} run, not when they are queued, so a replayed step reads the batch
     * staged before its launch. Waits until the previous batch has been read. Not while capturing.
     */
    void stage(List<byte[]> images, int side, int[] labels);

    /** The staged images up and normalised into NCHW {@code out}: {@code v * scale[c] + shift[c]}. */
    void normalizeImages(int n, int side, float[] scale, float[] shift, GpuBuffer out);

    void copy(GpuBuffer from, GpuBuffer to, long n);

    void zero(GpuBuffer buffer, long n);

    /** {@code y += alpha x}. */
    void axpy(float alpha, GpuBuffer x, GpuBuffer y, long n);

    void scale(GpuBuffer buffer, float factor, long n);

    void divide(GpuBuffer buffer, float divisor, long n);

    /** {@code v = momentum v + sum / count; p -= lr v}. */
    void sgdStep(GpuBuffer p, GpuBuffer v, GpuBuffer sum, long n, float count, float lr, float momentum);

    /** {@code p -= sum / count} (batch-norm statistics: their deltas applied as they are). */
    void applyDelta(GpuBuffer p, GpuBuffer sum, long n, float count);

    /** {@code out = (old - updated) * images}: what a running statistic moved, as a sum over the batch's images. */
    void statisticDelta(GpuBuffer old, GpuBuffer updated, GpuBuffer out, long n, float images);

    void convForward(ConvShape shape, GpuBuffer x, GpuBuffer w, GpuBuffer y);

    /** The input's gradient, added to what {@code dx} holds when {@code accumulate}. */
    void convBackwardData(ConvShape shape, GpuBuffer w, GpuBuffer dy, GpuBuffer dx, boolean accumulate);

    void convBackwardFilter(ConvShape shape, GpuBuffer x, GpuBuffer dy, GpuBuffer dw);

    /** Training mode: batch statistics, the running ones moved in place, the batch's mean and 1/sqrt(var + eps) saved. */
    void batchNormTraining(int n, int c, int h, int w, GpuBuffer x, GpuBuffer y, GpuBuffer gamma, GpuBuffer beta,
                           GpuBuffer runningMean, GpuBuffer runningVar, double momentum, double eps, GpuBuffer savedMean,
                           GpuBuffer savedInvStd);

    void batchNormInference(int n, int c, int h, int w, GpuBuffer x, GpuBuffer y, GpuBuffer gamma, GpuBuffer beta,
                            GpuBuffer runningMean, GpuBuffer runningVar, double eps);

    /** dx (added to what it holds when {@code accumulate}), dgamma and dbeta (sums), from what the training forward saved. */
    void batchNormBackward(int n, int c, int h, int w, GpuBuffer x, GpuBuffer dy, GpuBuffer dx, boolean accumulate,
                           GpuBuffer gamma, GpuBuffer dGamma, GpuBuffer dBeta, double eps, GpuBuffer savedMean, GpuBuffer savedInvStd);

    void reluForward(GpuBuffer x, GpuBuffer y, long n);

    /** From the ReLU's output: {@code dx = y > 0 ? dy : 0}. */
    void reluBackward(GpuBuffer y, GpuBuffer dy, GpuBuffer dx, long n);

    void add(GpuBuffer a, GpuBuffer b, GpuBuffer out, long n);

    /** Max pooling over {@code planes} planes; {@code argmax} (one per output) keeps each window's winner (PyTorch's on ties). */
    void maxPoolForward(GpuBuffer x, GpuBuffer y, GpuBuffer argmax, int planes, int h, int w, int k, int stride, int pad);

    void maxPoolBackward(GpuBuffer dy, GpuBuffer argmax, GpuBuffer dx, int planes, int h, int w, int k, int stride, int pad);

    void meanPoolForward(GpuBuffer x, GpuBuffer y, int planes, int hw);

    void meanPoolBackward(GpuBuffer dy, GpuBuffer dx, int planes, int hw);

    /** {@code y = x W^T + b}: x [n, d], W [k, d] (torch's layout), y [n, k]. */
    void classifierForward(GpuBuffer x, GpuBuffer w, GpuBuffer b, GpuBuffer y, int n, int d, int k);

    /** dx [n, d], dW [k, d] and db [k] (sums over the rows) from dy [n, k]. */
    void classifierBackward(GpuBuffer x, GpuBuffer w, GpuBuffer dy, GpuBuffer dx, GpuBuffer dw, GpuBuffer db, int n, int d, int k);

    /** {@code dLogits = softmax(logits) - onehot(labels)} per row, with the staged labels. */
    void softmaxCrossEntropyGradient(GpuBuffer logits, GpuBuffer dLogits, int rows, int classes);

    /**
     * From now on the operations are recorded, not run, until {@link #endCapture} (CUDA stream capture): only
     * operations on buffers that stay where they are; allocation, host copies and waits are refused.
     */
    void beginCapture();

    /** What was recorded since {@link #beginCapture}, to launch as one unit any number of times. */
    Replay endCapture();

    /** A captured run of operations (a CUDA graph). */
    interface Replay extends AutoCloseable {

        /**
         * Queues the recorded operations once; false (and nothing queued) when memory they use has moved since
         * the capture (staging grown, the device's workspace reallocated): capture again.
         */
        boolean launch();

        @Override
        void close();
    }

    /** Starts a profile: each {@link #lap} from now on times the work queued since the previous lap (or this call). */
    void startLaps();

    /** Ends a lap: the device time of the work queued since the previous one is added to {@code label}'s. */
    void lap(String label);

    /** Waits for the queued work and returns the milliseconds per label since {@link #startLaps}, in lap order; ends the profile. */
    Map<String, Double> stopLaps();

    /** Waits for everything queued. */
    void synchronize();

    /** Bytes held now (allocations and workspaces). */
    long heldBytes();

    @Override
    void close();
}
