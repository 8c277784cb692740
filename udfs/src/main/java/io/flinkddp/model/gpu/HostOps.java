package io.flinkddp.model.gpu;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The GPU engine's operations as plain Java loops on the CPU (sums in double): the reference against which
 * the engine's logic ({@link GpuGraph}, {@link GpuEngine}) is tested where there is no GPU, and nothing
 * else; slow by design. Capture is CUDA's in miniature: between {@link #beginCapture} and {@link #endCapture}
 * operations are recorded, not run, and what CUDA would refuse there (allocations, host copies, waits) throws;
 * a replay runs the recorded operations on the buffers they were given, reading the batch staged at launch.
 * Keeps the workspaces it handed out, for reuse, until {@link #close}.
 */
public final class HostOps implements GpuOps {

    /** A slice of a Java array; a bfloat16 one holds floats rounded to bfloat16 (every value set is rounded). */
    record Buffer(float[] data, int offset, int length, Element element) implements GpuBuffer {
        @Override
        public long elements() {
            return length;
        }

        @Override
        public GpuBuffer slice(long from, long count) {
            if (from < 0 || count < 0 || from + count > length) {
                throw new IndexOutOfBoundsException("floats [" + from + ", " + (from + count) + ") outside " + length);
            }
            return new Buffer(data, offset + (int) from, (int) count, element);
        }

        float get(long i) {
            return data[offset + (int) i];
        }

        void set(long i, float v) {
            data[offset + (int) i] = element == Element.BF16 ? Element.roundToBf16(v) : v;
        }
    }

    private final Map<List<Object>, ArrayDeque<Buffer>> free = new HashMap<>();
    private final Element activations;
    private long held;
    private boolean closed;
    /** The batch {@link #stage} copied, read when the operations run (as the GPU reads its pinned staging memory). */
    private byte[] stagedImages;
    private int[] stagedLabels;
    /** While capturing: the operations queued, not run. */
    private List<Runnable> capturing;
    /** While profiling: milliseconds per label, and when the current lap began. */
    private Map<String, Double> laps;
    private long lapStart;

    /** Float32 operations: activations and their gradients in float32. */
    public HostOps() {
        this(Precision.FP32);
    }

    /**
     * Operations at {@code precision}: with {@link Precision#BF16} activations and their gradients are bfloat16
     * (each value rounded as it is stored, the sums behind it in double), parameters and their gradients float32.
     */
    public HostOps(Precision precision) {
        this.activations = precision.activations();
    }

    /** Runs an operation now, or records it while capturing. */
    private void exec(Runnable operation) {
        open();
        if (capturing != null) {
            capturing.add(operation);
        } else {
            operation.run();
        }
    }

    /** What CUDA refuses (or cannot record) while a stream captures: allocations, host copies, waits. */
    private void notCapturing(String what) {
        if (capturing != null) {
            throw new IllegalStateException(what + " while capturing a step");
        }
    }

    @Override
    public void beginCapture() {
        notCapturing("beginCapture");
        open();
        capturing = new ArrayList<>();
    }

    @Override
    public Replay endCapture() {
        if (capturing == null) {
            throw new IllegalStateException("endCapture without beginCapture");
        }
        List<Runnable> recorded = List.copyOf(capturing);
        capturing = null;
        return new Replay() {
            @Override
            public boolean launch() {
                open();
                recorded.forEach(Runnable::run);
                return true;
            }

            @Override
            public void close() {
            }
        };
    }

    private static Buffer b(GpuBuffer buffer) {
        return (Buffer) buffer;
    }

    @Override
    public GpuBuffer allocate(long floats) {
        open();
        notCapturing("allocate");
        held += 4 * floats;
        return new Buffer(new float[Math.toIntExact(floats)], 0, (int) floats, Element.F32);
    }

    @Override
    public GpuBuffer take(long count, Element element) {
        notCapturing("take");
        ArrayDeque<Buffer> same = free.get(List.of(count, element));
        if (same != null && !same.isEmpty()) {
            return same.pop();
        }
        Buffer fresh = (Buffer) allocate(count);
        return new Buffer(fresh.data(), 0, fresh.length(), element);
    }

    @Override
    public void give(GpuBuffer buffer) {
        if (buffer != null) {
            free.computeIfAbsent(List.of(buffer.elements(), buffer.element()), k -> new ArrayDeque<>()).push(b(buffer));
        }
    }

    @Override
    public Element activations() {
        return activations;
    }

    @Override
    public void cast(GpuBuffer from, GpuBuffer to, long n) {
        exec(() -> {
            for (long i = 0; i < n; i++) {
                b(to).set(i, b(from).get(i));
            }
        });
    }

    @Override
    public void upload(float[] values, int from, GpuBuffer to, int count) {
        notCapturing("upload");
        System.arraycopy(values, from, b(to).data(), b(to).offset(), count);
    }

    @Override
    public void download(GpuBuffer from, float[] values, int at, int count) {
        open();
        notCapturing("download");
        System.arraycopy(b(from).data(), b(from).offset(), values, at, count);
    }

    @Override
    public void stage(List<byte[]> images, int side, int[] labels) {
        notCapturing("stage");
        int bytes = 3 * side * side;
        stagedImages = new byte[images.size() * bytes];
        for (int i = 0; i < images.size(); i++) {
            System.arraycopy(images.get(i), 0, stagedImages, i * bytes, bytes);
        }
        stagedLabels = labels == null ? null : labels.clone();
    }

    @Override
    public void normalizeImages(int n, int side, float[] scale, float[] shift, GpuBuffer out) {
        float[] s = scale.clone();
        float[] t = shift.clone();
        exec(() -> {
            Buffer o = b(out);
            int plane = side * side;
            for (int i = 0; i < n; i++) {
                for (int p = 0; p < plane; p++) {
                    for (int c = 0; c < 3; c++) {
                        o.set((long) (i * 3 + c) * plane + p, (stagedImages[(i * plane + p) * 3 + c] & 0xff) * s[c] + t[c]);
                    }
                }
            }
        });
    }

    @Override
    public void copy(GpuBuffer from, GpuBuffer to, long n) {
        if (from.element() != to.element()) {
            throw new IllegalArgumentException("copy from " + from.element() + " to " + to.element() + ": that is a cast");
        }
        exec(() -> {
            System.arraycopy(b(from).data(), b(from).offset(), b(to).data(), b(to).offset(), (int) n);
        });
    }

    @Override
    public void zero(GpuBuffer buffer, long n) {
        exec(() -> {
            java.util.Arrays.fill(b(buffer).data(), b(buffer).offset(), b(buffer).offset() + (int) n, 0f);
        });
    }

    @Override
    public void axpy(float alpha, GpuBuffer x, GpuBuffer y, long n) {
        exec(() -> {
            for (long i = 0; i < n; i++) {
                b(y).set(i, b(y).get(i) + alpha * b(x).get(i));
            }
        });
    }

    @Override
    public void scale(GpuBuffer buffer, float factor, long n) {
        exec(() -> {
            for (long i = 0; i < n; i++) {
                b(buffer).set(i, b(buffer).get(i) * factor);
            }
        });
    }

    @Override
    public void divide(GpuBuffer buffer, float divisor, long n) {
        exec(() -> {
            for (long i = 0; i < n; i++) {
                b(buffer).set(i, b(buffer).get(i) / divisor);
            }
        });
    }

    @Override
    public void sgdStep(GpuBuffer p, GpuBuffer v, GpuBuffer sum, long n, float count, float lr, float momentum) {
        exec(() -> {
            for (long i = 0; i < n; i++) {
                float vi = momentum * b(v).get(i) + b(sum).get(i) / count;
                b(v).set(i, vi);
                b(p).set(i, b(p).get(i) - lr * vi);
            }
        });
    }

    @Override
    public void applyDelta(GpuBuffer p, GpuBuffer sum, long n, float count) {
        exec(() -> {
            for (long i = 0; i < n; i++) {
                b(p).set(i, b(p).get(i) - b(sum).get(i) / count);
            }
        });
    }

    @Override
    public void statisticDelta(GpuBuffer old, GpuBuffer updated, GpuBuffer out, long n, float images) {
        exec(() -> {
            for (long i = 0; i < n; i++) {
                b(out).set(i, (b(old).get(i) - b(updated).get(i)) * images);
            }
        });
    }

    /** Visits every (output, input, weight) index triple of a convolution where the input is inside the image. */
    private static void forEachTap(ConvShape s, Tap tap) {
        int oh = s.outH();
        int ow = s.outW();
        for (int n = 0; n < s.n(); n++) {
            for (int o = 0; o < s.k(); o++) {
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        int out = ((n * s.k() + o) * oh + oy) * ow + ox;
                        for (int c = 0; c < s.c(); c++) {
                            for (int ky = 0; ky < s.r(); ky++) {
                                int iy = oy * s.stride() - s.pad() + ky;
                                for (int kx = 0; iy >= 0 && iy < s.h() && kx < s.s(); kx++) {
                                    int ix = ox * s.stride() - s.pad() + kx;
                                    if (ix >= 0 && ix < s.w()) {
                                        tap.at(out, ((n * s.c() + c) * s.h() + iy) * s.w() + ix, ((o * s.c() + c) * s.r() + ky) * s.s() + kx);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private interface Tap {
        void at(int out, int in, int weight);
    }

    @Override
    public void convForward(ConvShape s, GpuBuffer x, GpuBuffer w, GpuBuffer y) {
        exec(() -> {
            double[] acc = new double[(int) s.outputFloats()];
            float[] xs = b(x).data();
            float[] ws = b(w).data();
            int xo = b(x).offset();
            int wo = b(w).offset();
            forEachTap(s, (out, in, weight) -> acc[out] += (double) xs[xo + in] * ws[wo + weight]);
            for (int i = 0; i < acc.length; i++) {
                b(y).set(i, (float) acc[i]);
            }
        });
    }

    @Override
    public void convBackwardData(ConvShape s, GpuBuffer w, GpuBuffer dy, GpuBuffer dx, boolean accumulate) {
        exec(() -> {
            double[] acc = new double[(int) s.inputFloats()];
            float[] gs = b(dy).data();
            float[] ws = b(w).data();
            int go = b(dy).offset();
            int wo = b(w).offset();
            forEachTap(s, (out, in, weight) -> acc[in] += (double) gs[go + out] * ws[wo + weight]);
            for (int i = 0; i < acc.length; i++) {
                b(dx).set(i, (float) (accumulate ? b(dx).get(i) + acc[i] : acc[i]));
            }
        });
    }

    @Override
    public void convBackwardFilter(ConvShape s, GpuBuffer x, GpuBuffer dy, GpuBuffer dw) {
        exec(() -> {
            double[] acc = new double[(int) s.weightFloats()];
            float[] gs = b(dy).data();
            float[] xs = b(x).data();
            int go = b(dy).offset();
            int xo = b(x).offset();
            forEachTap(s, (out, in, weight) -> acc[weight] += (double) gs[go + out] * xs[xo + in]);
            for (int i = 0; i < acc.length; i++) {
                b(dw).set(i, (float) acc[i]);
            }
        });
    }

    @Override
    public void batchNormTraining(int n, int c, int h, int w, GpuBuffer x, GpuBuffer y, GpuBuffer gamma, GpuBuffer beta,
                                  GpuBuffer runningMean, GpuBuffer runningVar, double momentum, double eps, GpuBuffer savedMean,
                                  GpuBuffer savedInvStd) {
        exec(() -> {
            int hw = h * w;
            double count = (double) n * hw;
            for (int ch = 0; ch < c; ch++) {
                double sum = 0;
                for (int i = 0; i < n; i++) {
                    for (int p = 0; p < hw; p++) {
                        sum += b(x).get((long) (i * c + ch) * hw + p);
                    }
                }
                double mean = sum / count;
                double squares = 0;
                for (int i = 0; i < n; i++) {
                    for (int p = 0; p < hw; p++) {
                        double d = b(x).get((long) (i * c + ch) * hw + p) - mean;
                        squares += d * d;
                    }
                }
                double var = squares / count;
                double invStd = 1 / Math.sqrt(var + eps);
                for (int i = 0; i < n; i++) {
                    for (int p = 0; p < hw; p++) {
                        long at = (long) (i * c + ch) * hw + p;
                        b(y).set(at, (float) (b(gamma).get(ch) * (b(x).get(at) - mean) * invStd + b(beta).get(ch)));
                    }
                }
                b(runningMean).set(ch, (float) ((1 - momentum) * b(runningMean).get(ch) + momentum * mean));
                b(runningVar).set(ch, (float) ((1 - momentum) * b(runningVar).get(ch) + momentum * var * count / (count - 1)));
                b(savedMean).set(ch, (float) mean);
                b(savedInvStd).set(ch, (float) invStd);
            }
        });
    }

    @Override
    public void batchNormInference(int n, int c, int h, int w, GpuBuffer x, GpuBuffer y, GpuBuffer gamma, GpuBuffer beta,
                                   GpuBuffer runningMean, GpuBuffer runningVar, double eps) {
        exec(() -> {
            int hw = h * w;
            for (int ch = 0; ch < c; ch++) {
                double scale = b(gamma).get(ch) / Math.sqrt(b(runningVar).get(ch) + eps);
                for (int i = 0; i < n; i++) {
                    for (int p = 0; p < hw; p++) {
                        long at = (long) (i * c + ch) * hw + p;
                        b(y).set(at, (float) ((b(x).get(at) - b(runningMean).get(ch)) * scale + b(beta).get(ch)));
                    }
                }
            }
        });
    }

    @Override
    public void batchNormBackward(int n, int c, int h, int w, GpuBuffer x, GpuBuffer dy, GpuBuffer dx, boolean accumulate,
                                  GpuBuffer gamma, GpuBuffer dGamma, GpuBuffer dBeta, double eps, GpuBuffer savedMean,
                                  GpuBuffer savedInvStd) {
        exec(() -> {
            int hw = h * w;
            double count = (double) n * hw;
            for (int ch = 0; ch < c; ch++) {
                double mean = b(savedMean).get(ch);
                double invStd = b(savedInvStd).get(ch);
                double sumDy = 0;
                double sumDyXhat = 0;
                for (int i = 0; i < n; i++) {
                    for (int p = 0; p < hw; p++) {
                        long at = (long) (i * c + ch) * hw + p;
                        double g = b(dy).get(at);
                        sumDy += g;
                        sumDyXhat += g * (b(x).get(at) - mean) * invStd;
                    }
                }
                double k = b(gamma).get(ch) * invStd / count;
                for (int i = 0; i < n; i++) {
                    for (int p = 0; p < hw; p++) {
                        long at = (long) (i * c + ch) * hw + p;
                        double xhat = (b(x).get(at) - mean) * invStd;
                        double g = k * (count * b(dy).get(at) - sumDy - xhat * sumDyXhat);
                        b(dx).set(at, (float) (accumulate ? b(dx).get(at) + g : g));
                    }
                }
                b(dGamma).set(ch, (float) sumDyXhat);
                b(dBeta).set(ch, (float) sumDy);
            }
        });
    }

    @Override
    public void reluForward(GpuBuffer x, GpuBuffer y, long n) {
        exec(() -> {
            for (long i = 0; i < n; i++) {
                b(y).set(i, Math.max(b(x).get(i), 0f));
            }
        });
    }

    @Override
    public void reluBackward(GpuBuffer y, GpuBuffer dy, GpuBuffer dx, long n) {
        exec(() -> {
            for (long i = 0; i < n; i++) {
                b(dx).set(i, b(y).get(i) > 0 ? b(dy).get(i) : 0f);
            }
        });
    }

    @Override
    public void add(GpuBuffer a, GpuBuffer bb, GpuBuffer out, long n) {
        exec(() -> {
            for (long i = 0; i < n; i++) {
                b(out).set(i, b(a).get(i) + b(bb).get(i));
            }
        });
    }

    @Override
    public void maxPoolForward(GpuBuffer x, GpuBuffer y, GpuBuffer argmax, int planes, int h, int w, int k, int stride, int pad) {
        exec(() -> {
            int oh = (h + 2 * pad - k) / stride + 1;
            int ow = (w + 2 * pad - k) / stride + 1;
            for (int p = 0; p < planes; p++) {
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        float best = Float.NEGATIVE_INFINITY;
                        int at = -1;
                        for (int ky = 0; ky < k; ky++) {
                            int iy = oy * stride - pad + ky;
                            for (int kx = 0; iy >= 0 && iy < h && kx < k; kx++) {
                                int ix = ox * stride - pad + kx;
                                if (ix >= 0 && ix < w) {
                                    float v = b(x).get((long) p * h * w + iy * w + ix);
                                    if (at < 0 || v > best || Float.isNaN(v)) {
                                        best = v;
                                        at = iy * w + ix;
                                    }
                                }
                            }
                        }
                        long out = (long) p * oh * ow + oy * ow + ox;
                        b(y).set(out, best);
                        b(argmax).set(out, Float.intBitsToFloat(at));
                    }
                }
            }
        });
    }

    @Override
    public void maxPoolBackward(GpuBuffer dy, GpuBuffer argmax, GpuBuffer dx, int planes, int h, int w, int k, int stride, int pad) {
        exec(() -> {
            int oh = (h + 2 * pad - k) / stride + 1;
            int ow = (w + 2 * pad - k) / stride + 1;
            zero(dx, (long) planes * h * w);
            for (int p = 0; p < planes; p++) {
                for (int o = 0; o < oh * ow; o++) {
                    long out = (long) p * oh * ow + o;
                    long in = (long) p * h * w + Float.floatToRawIntBits(b(argmax).get(out));
                    b(dx).set(in, b(dx).get(in) + b(dy).get(out));
                }
            }
        });
    }

    @Override
    public void meanPoolForward(GpuBuffer x, GpuBuffer y, int planes, int hw) {
        exec(() -> {
            for (int p = 0; p < planes; p++) {
                double sum = 0;
                for (int i = 0; i < hw; i++) {
                    sum += b(x).get((long) p * hw + i);
                }
                b(y).set(p, (float) (sum / hw));
            }
        });
    }

    @Override
    public void meanPoolBackward(GpuBuffer dy, GpuBuffer dx, int planes, int hw) {
        exec(() -> {
            for (int p = 0; p < planes; p++) {
                float g = b(dy).get(p) / hw;
                for (int i = 0; i < hw; i++) {
                    b(dx).set((long) p * hw + i, g);
                }
            }
        });
    }

    @Override
    public void classifierForward(GpuBuffer x, GpuBuffer w, GpuBuffer bias, GpuBuffer y, int n, int d, int k) {
        exec(() -> {
            for (int i = 0; i < n; i++) {
                for (int o = 0; o < k; o++) {
                    double acc = b(bias).get(o);
                    for (int j = 0; j < d; j++) {
                        acc += (double) b(x).get((long) i * d + j) * b(w).get((long) o * d + j);
                    }
                    b(y).set((long) i * k + o, (float) acc);
                }
            }
        });
    }

    @Override
    public void classifierBackward(GpuBuffer x, GpuBuffer w, GpuBuffer dy, GpuBuffer dx, GpuBuffer dw, GpuBuffer db, int n, int d, int k) {
        exec(() -> {
            for (int o = 0; o < k; o++) {
                double bias = 0;
                for (int i = 0; i < n; i++) {
                    bias += b(dy).get((long) i * k + o);
                }
                b(db).set(o, (float) bias);
                for (int j = 0; j < d; j++) {
                    double acc = 0;
                    for (int i = 0; i < n; i++) {
                        acc += (double) b(dy).get((long) i * k + o) * b(x).get((long) i * d + j);
                    }
                    b(dw).set((long) o * d + j, (float) acc);
                }
            }
            for (int i = 0; dx != null && i < n; i++) {
                for (int j = 0; j < d; j++) {
                    double acc = 0;
                    for (int o = 0; o < k; o++) {
                        acc += (double) b(dy).get((long) i * k + o) * b(w).get((long) o * d + j);
                    }
                    b(dx).set((long) i * d + j, (float) acc);
                }
            }
        });
    }

    @Override
    public void softmaxCrossEntropyGradient(GpuBuffer logits, GpuBuffer dLogits, int rows, int classes) {
        exec(() -> {
            int[] labels = stagedLabels;
            for (int i = 0; i < rows; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < classes; c++) {
                    max = Math.max(max, b(logits).get((long) i * classes + c));
                }
                double sum = 0;
                for (int c = 0; c < classes; c++) {
                    sum += Math.exp(b(logits).get((long) i * classes + c) - max);
                }
                for (int c = 0; c < classes; c++) {
                    double p = Math.exp(b(logits).get((long) i * classes + c) - max) / sum;
                    b(dLogits).set((long) i * classes + c, (float) (p - (c == labels[i] ? 1 : 0)));
                }
            }
        });
    }

    @Override
    public void startLaps() {
        notCapturing("startLaps");
        laps = new LinkedHashMap<>();
        lapStart = System.nanoTime();
    }

    @Override
    public void lap(String label) {
        notCapturing("lap");
        long now = System.nanoTime();
        laps.merge(label, (now - lapStart) / 1e6, Double::sum);
        lapStart = now;
    }

    @Override
    public Map<String, Double> stopLaps() {
        Map<String, Double> done = laps;
        laps = null;
        return done;
    }

    @Override
    public void synchronize() {
        notCapturing("synchronize");
    }

    @Override
    public long heldBytes() {
        return held;
    }

    private void open() {
        if (closed) {
            throw new IllegalStateException("these operations were closed");
        }
    }

    @Override
    public void close() {
        closed = true;
        free.clear();
        held = 0;
    }
}
