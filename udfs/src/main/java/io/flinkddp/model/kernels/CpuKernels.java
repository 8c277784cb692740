package io.flinkddp.model.kernels;

import java.nio.FloatBuffer;
import java.util.List;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Training-mode batch norm (forward and backward) and the SGD step as plain loops over float32 memory
 * on the CPU, one channel (or slice) per task on the common fork-join pool, batch-norm sums in double.
 * Batch norm this way is 4-7x faster than libnd4j's ops as M2.1 has them (its variance reduction, its
 * oneDNN {@code batchnorm_bp}; BENCHMARKS.md part 8), the SGD step one pass instead of ND4J's four, and
 * both exact to float32 rounding. A loop over native memory costs a few ns per element from Java, so
 * single-pass ops (ReLU's backward) stay native. On a GPU the native ops (cuDNN) run instead, see
 * {@link BatchNormNode}. Keeps nothing.
 */
public final class CpuKernels {

    private CpuKernels() {}

    /** Whether ND4J runs on the CPU here (then these loops see the arrays' memory directly). */
    public static boolean applies() {
        return Nd4j.getEnvironment().isCPU();
    }

    /** y = gamma (x - mean) / sqrt(var + eps) + beta with the batch's mean and biased variance, which it returns. */
    public static NativeOps.BatchNormResult forward(ArrayPool pool, INDArray x, INDArray gamma, INDArray beta, double eps) {
        x = NativeOps.denseAtStart(x);
        int n = (int) x.size(0);
        int c = (int) x.size(1);
        int hw = (int) (x.length() / ((long) n * c));
        FloatBuffer in = x.data().asNioFloat();
        INDArray y = pool.take(DataType.FLOAT, x.shape());
        FloatBuffer out = y.data().asNioFloat();
        float[] g = gamma.toFloatVector();
        float[] b = beta.toFloatVector();
        float[] means = new float[c];
        float[] vars = new float[c];
        IntStream.range(0, c).parallel().forEach(ch -> {
            // One pass: sums of d = x - pivot and d^2 in double (the pivot, the channel's first value,
            // keeps E[d^2] - E[d]^2 free of cancellation when the mean is far from 0).
            float pivot = in.get(ch * hw);
            double sum = 0;
            double squares = 0;
            for (int i = 0; i < n; i++) {
                int base = (i * c + ch) * hw;
                for (int k = 0; k < hw; k++) {
                    double d = in.get(base + k) - pivot;
                    sum += d;
                    squares += d * d;
                }
            }
            double count = (double) n * hw;
            double mean = pivot + sum / count;
            double var = Math.max(0, squares / count - (sum / count) * (sum / count));
            float scale = (float) (g[ch] / Math.sqrt(var + eps));
            float shift = (float) (b[ch] - mean * g[ch] / Math.sqrt(var + eps));
            for (int i = 0; i < n; i++) {
                int base = (i * c + ch) * hw;
                for (int k = 0; k < hw; k++) {
                    out.put(base + k, in.get(base + k) * scale + shift);
                }
            }
            means[ch] = (float) mean;
            vars[ch] = (float) var;
        });
        return new NativeOps.BatchNormResult(y, Nd4j.createFromArray(means), Nd4j.createFromArray(vars));
    }

    /**
     * Backward with the batch statistics depending on x: returns dx and writes dgamma and dbeta (length c)
     * into the given arrays. {@code mean} and {@code var} are the ones {@link #forward} returned.
     */
    public static INDArray backward(ArrayPool pool, INDArray x, INDArray mean, INDArray var, INDArray gamma,
                                    INDArray dy, double eps, INDArray dGamma, INDArray dBeta) {
        x = NativeOps.denseAtStart(x);
        dy = NativeOps.denseAtStart(dy);
        int n = (int) x.size(0);
        int c = (int) x.size(1);
        int hw = (int) (x.length() / ((long) n * c));
        FloatBuffer in = x.data().asNioFloat();
        FloatBuffer grad = dy.data().asNioFloat();
        INDArray dx = pool.take(DataType.FLOAT, x.shape());
        FloatBuffer out = dx.data().asNioFloat();
        float[] g = gamma.toFloatVector();
        float[] mu = mean.toFloatVector();
        float[] v = var.toFloatVector();
        float[] dg = new float[c];
        float[] db = new float[c];
        double count = (double) n * hw;
        IntStream.range(0, c).parallel().forEach(ch -> {
            double sumDy = 0;
            double sumDyXc = 0;
            for (int i = 0; i < n; i++) {
                int base = (i * c + ch) * hw;
                for (int k = 0; k < hw; k++) {
                    double d = grad.get(base + k);
                    sumDy += d;
                    sumDyXc += d * (in.get(base + k) - mu[ch]);
                }
            }
            double invStd = 1 / Math.sqrt(v[ch] + eps);
            // dx = gamma invStd (dy - sumDy / N - xhat sum(dy xhat) / N), xhat = (x - mu) invStd
            float a = (float) (g[ch] * invStd);
            float bx = (float) (-g[ch] * invStd * invStd * invStd * sumDyXc / count);
            float cst = (float) (-g[ch] * invStd * sumDy / count);
            float m = mu[ch];
            for (int i = 0; i < n; i++) {
                int base = (i * c + ch) * hw;
                for (int k = 0; k < hw; k++) {
                    out.put(base + k, a * grad.get(base + k) + bx * (in.get(base + k) - m) + cst);
                }
            }
            dg[ch] = (float) (sumDyXc * invStd);
            db[ch] = (float) sumDy;
        });
        dGamma.assign(Nd4j.createFromArray(dg));
        dBeta.assign(Nd4j.createFromArray(db));
        return dx;
    }

    /**
     * One SGD step with momentum in one pass over memory (ND4J's ops take four), as torch.optim.SGD (no
     * dampening), in float32: on trained entries {@code g = sum / samples; v = momentum v + g; p -= lr v};
     * on the batch-norm running statistics ({@code statisticRanges}, [from, to) sorted by start) their
     * deltas applied as they are, {@code p -= sum / samples}, momentum untouched. Leaves {@code sum} as it was.
     */
    public static void sgdStep(INDArray params, INDArray velocity, INDArray sum, long samples, float lr, float momentum,
                               List<long[]> statisticRanges) {
        FloatBuffer p = whole(params);
        FloatBuffer v = whole(velocity);
        FloatBuffer g = whole(sum);
        float count = samples;
        forSlices((int) params.length(), (from, to) -> {
            int i = from;
            for (long[] range : statisticRanges) {
                int start = (int) Math.max(from, Math.min(to, range[0]));
                int end = (int) Math.max(from, Math.min(to, range[1]));
                for (; i < start; i++) {
                    float vi = momentum * v.get(i) + g.get(i) / count;
                    v.put(i, vi);
                    p.put(i, p.get(i) - lr * vi);
                }
                for (i = Math.max(i, start); i < end; i++) {
                    p.put(i, p.get(i) - g.get(i) / count);
                }
            }
            for (; i < to; i++) {
                float vi = momentum * v.get(i) + g.get(i) / count;
                v.put(i, vi);
                p.put(i, p.get(i) - lr * vi);
            }
        });
    }

    /** The memory of an array that is its whole buffer (a parameter vector), to be written in place. */
    private static FloatBuffer whole(INDArray a) {
        if (a.offset() != 0 || a.length() != a.data().length() || a.dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException("not a whole float32 buffer: " + a.shapeInfoToString());
        }
        return a.data().asNioFloat();
    }

    /** Runs {@code body(from, to)} over [0, length) in up to 64 slices of at least 64k elements, in parallel. */
    private static void forSlices(int length, SliceBody body) {
        int slices = Math.max(1, Math.min(64, length >> 16));
        IntStream.range(0, slices).parallel().forEach(s ->
                body.run((int) ((long) length * s / slices), (int) ((long) length * (s + 1) / slices)));
    }

    private interface SliceBody {
        void run(int from, int to);
    }
}
