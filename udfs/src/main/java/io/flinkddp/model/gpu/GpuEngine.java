package io.flinkddp.model.gpu;

import io.flinkddp.model.BatchStats;
import io.flinkddp.model.EngineBuffer;
import io.flinkddp.model.GradientListener;
import io.flinkddp.model.ModelDescription;
import io.flinkddp.model.ReplicaEngine;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The GPU engine: a {@link ModelDescription} run by {@link GpuGraph} on {@link GpuOps}, with parameters,
 * momentum, gradient and the round's sums in the operations' memory for the engine's whole life, in the
 * flattened vector's order (DL4J's, so chunks, checkpoints and model.zip move as they are). Only the
 * logits of a batch come down; slices move through {@link #copyOut} and {@link #putIn}.
 *
 * <p>Keeps: one buffer per {@link EngineBuffer} (the local-steps ones from their first use), the graph's
 * workspace, and the operations, which {@link #close} closes (their memory with them).
 */
public final class GpuEngine implements ReplicaEngine {

    private final ModelDescription model;
    private final GpuOps ops;
    private final int side;
    private final long size;
    private final Map<EngineBuffer, GpuBuffer> buffers = new EnumMap<>(EngineBuffer.class);
    private final GpuGraph graph;
    /** [from, to) of the trained stretches between the statistics, and of the statistics. */
    private final List<long[]> trained = new ArrayList<>();
    private GradientListener listener = GradientListener.NONE;
    private long gradientNanos;
    private boolean closed;

    /** An engine for {@code model} starting from {@code parameters} (DL4J's order), on images of {@code side} px; it owns {@code ops}. */
    public GpuEngine(ModelDescription model, float[] parameters, GpuOps ops, int side) {
        this(model, parameters, ops, side, true);
    }

    /** As above; steps are captured once per batch shape and replayed when {@code stepGraphs} (CUDA graphs). */
    public GpuEngine(ModelDescription model, float[] parameters, GpuOps ops, int side, boolean stepGraphs) {
        this.model = model;
        this.ops = ops;
        this.side = side;
        this.size = model.layout().numParams();
        if (parameters.length != size) {
            throw new IllegalArgumentException(parameters.length + " parameters for a network of " + size);
        }
        for (EngineBuffer buffer : List.of(EngineBuffer.PARAMETERS, EngineBuffer.GRADIENT, EngineBuffer.MOMENTUM, EngineBuffer.SUM)) {
            buffers.put(buffer, ops.allocate(size));
        }
        ops.upload(parameters, 0, buffers.get(EngineBuffer.PARAMETERS), parameters.length);
        long at = 0;
        for (long[] statistic : model.layout().statisticRanges()) {
            if (statistic[0] > at) {
                trained.add(new long[] {at, statistic[0]});
            }
            at = statistic[1];
        }
        if (at < size) {
            trained.add(new long[] {at, size});
        }
        this.graph = new GpuGraph(model, ops, buffers.get(EngineBuffer.PARAMETERS), buffers.get(EngineBuffer.GRADIENT), stepGraphs);
    }

    @Override
    public ModelDescription model() {
        return model;
    }

    @Override
    public BatchStats computeGradient(List<byte[]> images, int[] labels) {
        open();
        long start = System.nanoTime();
        float[] logits = graph.gradient(images, labels, side, op -> {
            if (!op.frozen()) {
                op.range().ifPresent(r -> listener.gradientFinal(r[0], r[1]));
            }
        });
        gradientNanos += System.nanoTime() - start;
        return BatchStats.ofLogits(rows(logits, labels.length), labels, true);
    }

    @Override
    public BatchStats evaluate(List<byte[]> images, int[] labels) {
        return BatchStats.ofLogits(logits(images), labels, true);
    }

    @Override
    public float[][] logits(List<byte[]> images) {
        open();
        return rows(graph.logits(images, side), images.size());
    }

    private float[][] rows(float[] logits, int n) {
        int classes = model.numClasses();
        float[][] rows = new float[n][];
        for (int i = 0; i < n; i++) {
            rows[i] = java.util.Arrays.copyOfRange(logits, i * classes, (i + 1) * classes);
        }
        return rows;
    }

    @Override
    public void copyOut(EngineBuffer from, long offset, float[] values) {
        ops.download(buffer(from).slice(offset, values.length), values, 0, values.length);
    }

    @Override
    public void putIn(EngineBuffer to, long offset, float[] values) {
        ops.upload(values, 0, buffer(to).slice(offset, values.length), values.length);
    }

    @Override
    public void copy(EngineBuffer from, EngineBuffer to) {
        ops.copy(buffer(from), buffer(to), size);
    }

    @Override
    public void zero(EngineBuffer buffer) {
        ops.zero(buffer(buffer), size);
    }

    @Override
    public void axpy(float alpha, EngineBuffer from, EngineBuffer to) {
        ops.axpy(alpha, buffer(from), buffer(to), size);
    }

    @Override
    public void scale(EngineBuffer buffer, float factor) {
        ops.scale(buffer(buffer), factor, size);
    }

    @Override
    public void divide(EngineBuffer buffer, float divisor) {
        ops.divide(buffer(buffer), divisor, size);
    }

    @Override
    public void sgdStep(EngineBuffer sum, long samples, double learningRate, double momentum) {
        GpuBuffer p = buffer(EngineBuffer.PARAMETERS);
        GpuBuffer v = buffer(EngineBuffer.MOMENTUM);
        GpuBuffer g = buffer(sum);
        for (long[] r : trained) {
            long n = r[1] - r[0];
            ops.sgdStep(p.slice(r[0], n), v.slice(r[0], n), g.slice(r[0], n), n, samples, (float) learningRate, (float) momentum);
        }
        for (long[] r : model.layout().statisticRanges()) {
            long n = r[1] - r[0];
            ops.applyDelta(p.slice(r[0], n), g.slice(r[0], n), n, samples);
        }
    }

    @Override
    public float[] read(EngineBuffer buffer) {
        float[] values = new float[(int) size];
        ops.download(buffer(buffer), values, 0, values.length);
        return values;
    }

    @Override
    public void write(EngineBuffer buffer, float[] values) {
        if (values.length != size) {
            throw new IllegalArgumentException(values.length + " values for " + buffer + ", this network has " + size + " parameters");
        }
        ops.upload(values, 0, buffer(buffer), values.length);
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
        return closed ? 0 : ops.heldBytes();
    }

    /**
     * One training step run op by op, each op timed on the device: milliseconds per {@code "op phase"} (see
     * {@link GpuGraph#profile}); the gradient is left as {@link #computeGradient} leaves it.
     */
    public Map<String, Double> profileStep(List<byte[]> images, int[] labels) {
        open();
        return graph.profile(images, labels, side);
    }

    /** Steps that ran as one launch of a captured graph. */
    public long replayedSteps() {
        return graph.launches();
    }

    /** Why steps are not captured although asked to be (the operations refused a capture), or null. */
    public String captureProblem() {
        return graph.captureProblem();
    }

    /** Bytes of the steps' workspace (activations and their gradients, planned by lifetime). */
    public long workspaceBytes() {
        return graph.workspaceBytes();
    }

    /** A buffer, allocated (zero) on first use. */
    private GpuBuffer buffer(EngineBuffer buffer) {
        open();
        return buffers.computeIfAbsent(buffer, b -> ops.allocate(size));
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
        graph.clear();
        buffers.clear();
        ops.close();
    }
}
