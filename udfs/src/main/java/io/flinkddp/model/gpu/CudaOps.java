package io.flinkddp.model.gpu;

import static org.bytedeco.cuda.global.cublas.cublasSetWorkspace_v2;
import static org.bytedeco.cuda.global.cudart.cudaEventCreate;
import static org.bytedeco.cuda.global.cudart.cudaEventDestroy;
import static org.bytedeco.cuda.global.cudart.cudaEventElapsedTime;
import static org.bytedeco.cuda.global.cudart.cudaEventRecord;
import static org.bytedeco.cuda.global.cudart.cudaFreeHost;
import static org.bytedeco.cuda.global.cudart.cudaGraphDestroy;
import static org.bytedeco.cuda.global.cudart.cudaGraphExecDestroy;
import static org.bytedeco.cuda.global.cudart.cudaGraphInstantiate;
import static org.bytedeco.cuda.global.cudart.cudaGraphLaunch;
import static org.bytedeco.cuda.global.cudart.cudaMallocHost;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyAsync;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyDeviceToDevice;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyDeviceToHost;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyHostToDevice;
import static org.bytedeco.cuda.global.cudart.cudaMemsetAsync;
import static org.bytedeco.cuda.global.cudart.cudaStreamBeginCapture;
import static org.bytedeco.cuda.global.cudart.cudaStreamCaptureModeThreadLocal;
import static org.bytedeco.cuda.global.cudart.cudaStreamEndCapture;
import static org.bytedeco.cuda.global.cudart.cudaStreamSynchronize;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.cuda.cudart.CUevent_st;
import org.bytedeco.cuda.cudart.CUgraphExec_st;
import org.bytedeco.cuda.cudart.CUgraph_st;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.ShortPointer;

/**
 * The GPU engine's operations on one NVIDIA GPU: convolutions on cuDNN (an algorithm per shape, chosen
 * once: {@link ConvolutionPlans}), batch norm on cuDNN's spatial mode, the classifier on cuBLAS and the
 * rest on {@link GpuKernels}, all queued in order on the device's stream; a step can be captured as a CUDA
 * graph and replayed (the batch goes through pinned staging memory at fixed addresses, cuBLAS gets a fixed
 * workspace). Workspaces come from an {@link ActivationPool}. Keeps the device, its handles, plans, kernels and every allocation until
 * {@link #close}, which frees them all.
 */
public final class CudaOps implements GpuOps {

    private static final long CUBLAS_WORKSPACE_BYTES = 32L << 20;

    private final GpuDevice device;
    private final Precision precision;
    private final DeviceArray cublasWorkspace;
    private final GpuKernels kernels;
    private final ConvolutionPlans plans;
    private final ActivationPool pool;
    private final Classifier classifier;
    private final Map<String, BatchNorm> norms = new HashMap<>();
    private final List<DeviceArray> allocations = new ArrayList<>();
    private DeviceArray pixels;
    /** Page-locked host memory the images go up through (the step waits for the logits before the next upload). */
    private Pointer pinned;
    private BytePointer staging;
    private DeviceArray labels;
    private DeviceArray losses;
    private Pointer pinnedLabels;
    private IntPointer stagedLabels;
    private long moves;
    private final List<CUevent_st> lapEvents = new ArrayList<>();
    private final List<String> lapLabels = new ArrayList<>();
    private boolean closed;

    /** Operations on {@code device} (which they own from now on) at {@code precision}. */
    public CudaOps(GpuDevice device, Precision precision) {
        this.device = device;
        this.precision = precision;
        try {
            this.kernels = new GpuKernels(device);
        } catch (RuntimeException | Error e) {
            device.close();
            throw e;
        }
        this.plans = new ConvolutionPlans(device, precision);
        this.pool = new ActivationPool(device);
        this.classifier = new Classifier(device, kernels);
        this.cublasWorkspace = device.allocate(CUBLAS_WORKSPACE_BYTES);
        CudaCalls.cublas(cublasSetWorkspace_v2(device.cublas(), cublasWorkspace.address(), CUBLAS_WORKSPACE_BYTES),
                "cublasSetWorkspace"); // a fixed one, so that cuBLAS allocates nothing while a step is captured
    }

    private static DeviceArray d(GpuBuffer buffer) {
        return (DeviceArray) buffer;
    }

    @Override
    public GpuBuffer allocate(long floats) {
        DeviceArray array = device.floats(floats).zero();
        allocations.add(array);
        return array;
    }

    @Override
    public GpuBuffer take(long count, Element element) {
        return pool.take(count, element);
    }

    @Override
    public Element activations() {
        return precision.activations();
    }

    @Override
    public void cast(GpuBuffer from, GpuBuffer to, long n) {
        kernels.cast(d(from), d(to), n);
    }

    @Override
    public void give(GpuBuffer buffer) {
        pool.give(d(buffer));
    }

    @Override
    public void upload(float[] values, int from, GpuBuffer to, int count) {
        try (FloatPointer host = new FloatPointer(count)) {
            host.put(values, from, count);
            CudaCalls.cuda(cudaMemcpyAsync(d(to).address(), host, 4L * count, cudaMemcpyHostToDevice, device.stream()),
                    "cudaMemcpyAsync (upload)");
            CudaCalls.cuda(cudaStreamSynchronize(device.stream()), "cudaStreamSynchronize"); // the host copy goes next
        }
    }

    @Override
    public void download(GpuBuffer from, float[] values, int at, int count) {
        if (from.element() == Element.BF16) {
            try (ShortPointer host = new ShortPointer(count)) {
                CudaCalls.cuda(cudaMemcpyAsync(host, d(from).address(), 2L * count, cudaMemcpyDeviceToHost, device.stream()),
                        "cudaMemcpyAsync (download)");
                CudaCalls.cuda(cudaStreamSynchronize(device.stream()), "cudaStreamSynchronize");
                for (int i = 0; i < count; i++) {
                    values[at + i] = Float.intBitsToFloat((host.get(i) & 0xffff) << 16);
                }
            }
            return;
        }
        try (FloatPointer host = new FloatPointer(count)) {
            CudaCalls.cuda(cudaMemcpyAsync(host, d(from).address(), 4L * count, cudaMemcpyDeviceToHost, device.stream()),
                    "cudaMemcpyAsync (download)");
            CudaCalls.cuda(cudaStreamSynchronize(device.stream()), "cudaStreamSynchronize");
            host.get(values, at, count);
        }
    }

    @Override
    public void stage(List<byte[]> images, int side, int[] rowLabels) {
        int bytes = 3 * side * side;
        long total = (long) images.size() * bytes;
        device.synchronize(); // the last step has read the staging memory before it is overwritten
        if (pixels == null || pixels.bytes() < total) {
            if (pixels != null) {
                pixels.close();
                cudaFreeHost(pinned);
            }
            pixels = device.allocate(total);
            pinned = new Pointer();
            CudaCalls.cuda(cudaMallocHost(pinned, total), "cudaMallocHost(" + total + " bytes of pinned host memory)");
            staging = new BytePointer(pinned).capacity(total);
            moves++;
        }
        ImageStaging.copy(images, bytes, staging);
        int rows = rowLabels == null ? 0 : rowLabels.length;
        if (labels == null || labels.bytes() < 4L * rows) {
            if (labels != null) {
                labels.close();
                losses.close();
                cudaFreeHost(pinnedLabels);
            }
            labels = device.allocate(4L * Math.max(rows, 1));
            losses = device.allocate(8L * Math.max(rows, 1));
            pinnedLabels = new Pointer();
            CudaCalls.cuda(cudaMallocHost(pinnedLabels, 4L * Math.max(rows, 1)), "cudaMallocHost (labels)");
            stagedLabels = new IntPointer(pinnedLabels).capacity(Math.max(rows, 1));
            moves++;
        }
        if (rowLabels != null) {
            stagedLabels.position(0).put(rowLabels, 0, rows);
        }
    }

    @Override
    public void normalizeImages(int n, int side, float[] scale, float[] shift, GpuBuffer out) {
        long total = 3L * n * side * side;
        CudaCalls.cuda(cudaMemcpyAsync(pixels.address(), staging, total, cudaMemcpyHostToDevice, device.stream()),
                "cudaMemcpyAsync (images)");
        kernels.normalize(pixels, d(out), n, side, scale, shift);
    }

    @Override
    public void copy(GpuBuffer from, GpuBuffer to, long n) {
        CudaCalls.cuda(cudaMemcpyAsync(d(to).address(), d(from).address(), n * to.element().bytes, cudaMemcpyDeviceToDevice, device.stream()),
                "cudaMemcpyAsync (device to device)");
    }

    @Override
    public void zero(GpuBuffer buffer, long n) {
        CudaCalls.cuda(cudaMemsetAsync(d(buffer).address(), 0, n * buffer.element().bytes, device.stream()), "cudaMemsetAsync");
    }

    @Override
    public void axpy(float alpha, GpuBuffer x, GpuBuffer y, long n) {
        kernels.axpy(alpha, d(x), d(y), n);
    }

    @Override
    public void scale(GpuBuffer buffer, float factor, long n) {
        kernels.scale(d(buffer), factor, n);
    }

    @Override
    public void divide(GpuBuffer buffer, float divisor, long n) {
        kernels.divide(d(buffer), divisor, n);
    }

    @Override
    public void sgdStep(GpuBuffer p, GpuBuffer v, GpuBuffer sum, long n, float count, float lr, float momentum) {
        kernels.sgdStep(d(p), d(v), d(sum), n, count, lr, momentum);
    }

    @Override
    public void applyDelta(GpuBuffer p, GpuBuffer sum, long n, float count) {
        kernels.applyDelta(d(p), d(sum), n, count);
    }

    @Override
    public void statisticDelta(GpuBuffer old, GpuBuffer updated, GpuBuffer out, long n, float images) {
        kernels.statisticDelta(d(old), d(updated), d(out), n, images);
    }

    @Override
    public void convForward(ConvShape shape, GpuBuffer x, GpuBuffer w, GpuBuffer y) {
        plans.plan(shape).forward(d(x), d(w), d(y));
    }

    @Override
    public void convBackwardData(ConvShape shape, GpuBuffer w, GpuBuffer dy, GpuBuffer dx, boolean accumulate) {
        plans.plan(shape).backwardData(d(w), d(dy), d(dx), accumulate);
    }

    @Override
    public void convBackwardFilter(ConvShape shape, GpuBuffer x, GpuBuffer dy, GpuBuffer dw) {
        plans.plan(shape).backwardFilter(d(x), d(dy), d(dw));
    }

    private BatchNorm norm(int n, int c, int h, int w) {
        return norms.computeIfAbsent(n + "x" + c + "x" + h + "x" + w, k -> new BatchNorm(device, n, c, h, w, precision.activations()));
    }

    @Override
    public void batchNormTraining(int n, int c, int h, int w, GpuBuffer x, GpuBuffer y, GpuBuffer gamma, GpuBuffer beta,
                                  GpuBuffer runningMean, GpuBuffer runningVar, double momentum, double eps, GpuBuffer savedMean,
                                  GpuBuffer savedInvStd) {
        norm(n, c, h, w).forwardTraining(d(x), d(y), d(gamma), d(beta), d(runningMean), d(runningVar), momentum, eps, d(savedMean),
                d(savedInvStd));
    }

    @Override
    public void batchNormInference(int n, int c, int h, int w, GpuBuffer x, GpuBuffer y, GpuBuffer gamma, GpuBuffer beta,
                                   GpuBuffer runningMean, GpuBuffer runningVar, double eps) {
        norm(n, c, h, w).forwardInference(d(x), d(y), d(gamma), d(beta), d(runningMean), d(runningVar), eps);
    }

    @Override
    public void batchNormBackward(int n, int c, int h, int w, GpuBuffer x, GpuBuffer dy, GpuBuffer dx, boolean accumulate,
                                  GpuBuffer gamma, GpuBuffer dGamma, GpuBuffer dBeta, double eps, GpuBuffer savedMean,
                                  GpuBuffer savedInvStd) {
        norm(n, c, h, w).backward(d(x), d(dy), d(dx), accumulate, d(gamma), d(dGamma), d(dBeta), eps, d(savedMean), d(savedInvStd));
    }

    @Override
    public void reluForward(GpuBuffer x, GpuBuffer y, long n) {
        kernels.reluForward(d(x), d(y), n);
    }

    @Override
    public void reluBackward(GpuBuffer y, GpuBuffer dy, GpuBuffer dx, long n) {
        kernels.reluBackward(d(y), d(dy), d(dx), n);
    }

    @Override
    public void add(GpuBuffer a, GpuBuffer b, GpuBuffer out, long n) {
        kernels.add(d(a), d(b), d(out), n);
    }

    @Override
    public void maxPoolForward(GpuBuffer x, GpuBuffer y, GpuBuffer argmax, int planes, int h, int w, int k, int stride, int pad) {
        kernels.maxPoolForward(d(x), d(y), d(argmax), planes, h, w, k, stride, pad);
    }

    @Override
    public void maxPoolBackward(GpuBuffer dy, GpuBuffer argmax, GpuBuffer dx, int planes, int h, int w, int k, int stride, int pad) {
        kernels.maxPoolBackward(d(dy), d(argmax), d(dx), planes, h, w, k, stride, pad);
    }

    @Override
    public void meanPoolForward(GpuBuffer x, GpuBuffer y, int planes, int hw) {
        kernels.meanPoolForward(d(x), d(y), planes, hw);
    }

    @Override
    public void meanPoolBackward(GpuBuffer dy, GpuBuffer dx, int planes, int hw) {
        kernels.meanPoolBackward(d(dy), d(dx), planes, hw);
    }

    @Override
    public void classifierForward(GpuBuffer x, GpuBuffer w, GpuBuffer b, GpuBuffer y, int n, int dim, int k) {
        classifier.forward(d(x), d(w), d(b), d(y), n, dim, k);
    }

    @Override
    public void classifierBackward(GpuBuffer x, GpuBuffer w, GpuBuffer dy, GpuBuffer dx, GpuBuffer dw, GpuBuffer db, int n, int dim,
                                   int k) {
        classifier.backward(d(x), d(w), d(dy), dx == null ? null : d(dx), d(dw), d(db), n, dim, k);
    }

    @Override
    public void softmaxCrossEntropyGradient(GpuBuffer logits, GpuBuffer dLogits, int rows, int classes) {
        CudaCalls.cuda(cudaMemcpyAsync(labels.address(), stagedLabels, 4L * rows, cudaMemcpyHostToDevice, device.stream()),
                "cudaMemcpyAsync (labels)");
        kernels.softmaxCrossEntropy(d(logits), labels, d(dLogits), losses, rows, classes, 1f);
    }

    @Override
    public void beginCapture() {
        CudaCalls.cuda(cudaStreamBeginCapture(device.stream(), cudaStreamCaptureModeThreadLocal), "cudaStreamBeginCapture");
    }

    @Override
    public Replay endCapture() {
        CUgraph_st graph = new CUgraph_st();
        CudaCalls.cuda(cudaStreamEndCapture(device.stream(), graph), "cudaStreamEndCapture");
        CUgraphExec_st exec = new CUgraphExec_st();
        int instantiated = cudaGraphInstantiate(exec, graph, 0L);
        if (instantiated != 0) {
            cudaGraphDestroy(graph);
            CudaCalls.cuda(instantiated, "cudaGraphInstantiate");
        }
        long capturedAt = moves();
        return new Replay() {
            private boolean closed;

            @Override
            public boolean launch() {
                if (closed || capturedAt != moves()) {
                    return false;
                }
                CudaCalls.cuda(cudaGraphLaunch(exec, device.stream()), "cudaGraphLaunch");
                return true;
            }

            @Override
            public void close() {
                if (!closed) {
                    closed = true;
                    cudaGraphExecDestroy(exec);
                    cudaGraphDestroy(graph);
                }
            }
        };
    }

    /** How often memory a captured step may use has moved: staging grown or the device's workspace reallocated. */
    private long moves() {
        return moves + device.workspaceMoves();
    }

    @Override
    public void startLaps() {
        lapLabels.clear();
        lapEvents.forEach(e -> cudaEventDestroy(e));
        lapEvents.clear();
        lapEvents.add(event());
    }

    @Override
    public void lap(String label) {
        lapLabels.add(label);
        lapEvents.add(event());
    }

    /** An event recorded on the stream now. */
    private CUevent_st event() {
        CUevent_st event = new CUevent_st();
        CudaCalls.cuda(cudaEventCreate(event), "cudaEventCreate");
        CudaCalls.cuda(cudaEventRecord(event, device.stream()), "cudaEventRecord");
        return event;
    }

    @Override
    public Map<String, Double> stopLaps() {
        device.synchronize();
        Map<String, Double> millis = new LinkedHashMap<>();
        float[] ms = new float[1];
        for (int i = 0; i < lapLabels.size(); i++) {
            CudaCalls.cuda(cudaEventElapsedTime(ms, lapEvents.get(i), lapEvents.get(i + 1)), "cudaEventElapsedTime");
            millis.merge(lapLabels.get(i), (double) ms[0], Double::sum);
        }
        lapEvents.forEach(e -> cudaEventDestroy(e));
        lapEvents.clear();
        lapLabels.clear();
        return millis;
    }

    @Override
    public void synchronize() {
        device.synchronize();
    }

    /** The device these operations run on (its architecture, its peak memory). */
    public GpuDevice device() {
        return device;
    }

    @Override
    public long heldBytes() {
        return closed ? 0 : device.allocatedBytes();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            device.synchronize();
        } finally {
            pool.close();
            plans.close();
            norms.values().forEach(BatchNorm::close);
            allocations.forEach(DeviceArray::close);
            cublasWorkspace.close();
            for (DeviceArray d : new DeviceArray[] {pixels, labels, losses}) {
                if (d != null) {
                    d.close();
                }
            }
            if (pinned != null) {
                cudaFreeHost(pinned);
            }
            if (pinnedLabels != null) {
                cudaFreeHost(pinnedLabels);
            }
            kernels.close();
            device.close();
        }
    }
}
