package io.flinkddp.model;

import io.flinkddp.data.ImageBatch;
import io.flinkddp.model.kernels.CpuKernels;
import io.flinkddp.model.kernels.NativeGraph;
import java.nio.FloatBuffer;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The CPU engine: a DL4J {@link ComputationGraph} whose steps and evaluations run on libnd4j's native
 * ops and {@link CpuKernels} ({@link NativeGraph}), in the network's own flattened parameter and
 * gradient views, so the network, its model.zip and its parameter layout stay DL4J's.
 *
 * <p>Keeps, for its lifetime: the network (parameters and gradient are its views), the momentum and
 * sum buffers (the local-steps buffers from their first use), and the native arrays of the last step
 * for the next ({@link NativeGraph}'s pool). {@link #close} frees the buffers and the pool; the
 * network stays with whoever built it.
 */
public final class CpuEngine implements ReplicaEngine {

    private final ComputationGraph net;
    private final ModelDescription model;
    private final int side;
    private final NativeGraph graph;
    private final Map<EngineBuffer, INDArray> buffers = new EnumMap<>(EngineBuffer.class);
    /** Each trained op's parameter range and whether it holds statistics, by op name, for the backward's reports. */
    private final Map<String, ModelDescription.Op> trainedOps = new HashMap<>();
    private GradientListener listener = GradientListener.NONE;
    private long batchImages;
    private long gradientNanos;
    private boolean closed;

    /** An engine for {@code net} on images of {@code side} pixels; {@code frozen} vertices lead the vector and are not trained. */
    public CpuEngine(ComputationGraph net, Set<String> frozen, int side) {
        this.net = net;
        this.model = Dl4jDescription.of(net, frozen);
        this.side = side;
        long n = model.layout().numParams();
        if (net.getFlattenedGradients() == null) {
            net.initGradientsView();
        }
        buffers.put(EngineBuffer.PARAMETERS, net.params().reshape(n));
        buffers.put(EngineBuffer.GRADIENT, net.getFlattenedGradients().reshape(n));
        buffers.put(EngineBuffer.MOMENTUM, Nd4j.zeros(net.params().dataType(), n));
        buffers.put(EngineBuffer.SUM, Nd4j.zeros(net.params().dataType(), n));
        model.ops().stream().filter(op -> !op.frozen() && op.range().isPresent()).forEach(op -> trainedOps.put(op.name(), op));
        this.graph = new NativeGraph(net, frozen);
        graph.afterBackward(this::backwardDone);
    }

    @Override
    public ModelDescription model() {
        return model;
    }

    /** The network this engine trains in place. */
    public ComputationGraph network() {
        return net;
    }

    /** The native-op executor of the steps and evaluations (the benchmarks profile it). */
    public NativeGraph kernels() {
        return graph;
    }

    @Override
    public BatchStats computeGradient(List<byte[]> images, int[] labels) {
        open();
        INDArray features = features(images);
        INDArray oneHot = Nd4j.create(ImageBatch.oneHot(labels, model.numClasses()), new long[] {labels.length, model.numClasses()}, 'c');
        batchImages = labels.length;
        long start = System.nanoTime();
        INDArray logits = graph.gradient(features, oneHot);
        gradientNanos += System.nanoTime() - start;
        return BatchStats.ofLogits(logits.toFloatMatrix(), labels, true);
    }

    /** After an op's backward: its statistics deltas become sums (times the batch's images), then its range is final. */
    private void backwardDone(String name) {
        ModelDescription.Op op = trainedOps.get(name);
        if (op == null) {
            return;
        }
        INDArray gradient = buffers.get(EngineBuffer.GRADIENT);
        for (String key : List.of("mean", "var")) {
            op.param(key).ifPresent(p -> gradient.get(NDArrayIndex.interval(p.offset(), p.offset() + p.length())).muli(batchImages));
        }
        long[] range = op.range().orElseThrow();
        listener.gradientFinal(range[0], range[1]);
    }

    @Override
    public BatchStats evaluate(List<byte[]> images, int[] labels) {
        return BatchStats.ofLogits(logits(images), labels, true);
    }

    @Override
    public float[][] logits(List<byte[]> images) {
        open();
        return graph.logits(features(images)).toFloatMatrix();
    }

    private INDArray features(List<byte[]> images) {
        return Nd4j.create(ImageBatch.normalised(images, side), new long[] {images.size(), 3, side, side}, 'c');
    }

    @Override
    public void copyOut(EngineBuffer from, long offset, float[] values) {
        INDArray source = buffer(from);
        FloatBuffer memory = source.data().asNioFloat();
        memory.position((int) (source.offset() + offset));
        memory.get(values);
    }

    @Override
    public void putIn(EngineBuffer to, long offset, float[] values) {
        INDArray target = buffer(to);
        FloatBuffer memory = target.data().asNioFloat();
        memory.position((int) (target.offset() + offset));
        memory.put(values);
    }

    @Override
    public void copy(EngineBuffer from, EngineBuffer to) {
        buffer(to).assign(buffer(from));
    }

    @Override
    public void zero(EngineBuffer buffer) {
        buffer(buffer).assign(0);
    }

    @Override
    public void axpy(float alpha, EngineBuffer from, EngineBuffer to) {
        if (alpha == 1) {
            buffer(to).addi(buffer(from));
        } else if (alpha == -1) {
            buffer(to).subi(buffer(from));
        } else {
            buffer(to).addi(buffer(from).mul(alpha));
        }
    }

    @Override
    public void scale(EngineBuffer buffer, float factor) {
        buffer(buffer).muli(factor);
    }

    @Override
    public void divide(EngineBuffer buffer, float divisor) {
        buffer(buffer).divi(divisor);
    }

    @Override
    public void sgdStep(EngineBuffer sum, long samples, double learningRate, double momentum) {
        CpuKernels.sgdStep(buffer(EngineBuffer.PARAMETERS), buffer(EngineBuffer.MOMENTUM), buffer(sum), samples,
                (float) learningRate, (float) momentum, model.layout().statisticRanges());
    }

    @Override
    public float[] read(EngineBuffer buffer) {
        return buffer(buffer).toFloatVector();
    }

    @Override
    public void write(EngineBuffer buffer, float[] values) {
        long n = model.layout().numParams();
        if (values.length != n) {
            throw new IllegalArgumentException(values.length + " values for " + buffer + ", this network has " + n + " parameters");
        }
        buffer(buffer).assign(Nd4j.createFromArray(values));
    }

    @Override
    public void onGradientFinal(GradientListener listener) {
        this.listener = listener == null ? GradientListener.NONE : listener;
    }

    @Override
    public long gradientNanos() {
        return gradientNanos;
    }

    @Override
    public long heldBytes() {
        long bytes = graph.heldBytes();
        for (Map.Entry<EngineBuffer, INDArray> entry : buffers.entrySet()) {
            if (owned(entry.getKey())) {
                bytes += entry.getValue().length() * entry.getValue().dataType().width();
            }
        }
        return bytes;
    }

    /** The engine's own buffers (not the network's parameter and gradient views). */
    private static boolean owned(EngineBuffer buffer) {
        return buffer != EngineBuffer.PARAMETERS && buffer != EngineBuffer.GRADIENT;
    }

    /** A buffer, allocated (zero) on first use. */
    private INDArray buffer(EngineBuffer buffer) {
        open();
        return buffers.computeIfAbsent(buffer, b -> Nd4j.zeros(net.params().dataType(), model.layout().numParams()));
    }

    private void open() {
        if (closed) {
            throw new IllegalStateException("this engine was closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        graph.release();
        buffers.forEach((buffer, values) -> {
            if (owned(buffer) && values.closeable()) {
                values.close();
            }
        });
        buffers.clear();
    }
}
