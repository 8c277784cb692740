package io.flinkddp.model.gpu;

import io.flinkddp.model.ModelDescription;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where each tensor of a replica's flattened vector (DL4J's order, as {@link ModelDescription} lays it
 * out and as checkpoints, chunks and model.zip hold it) sits on the GPU, where {@link GpuResNet} keeps
 * the trainable tensors in torchvision's {@code state_dict} order followed by the batch-norm running
 * statistics in theirs. Each tensor is contiguous in both orders with the same memory layout (the
 * classifier's weight included), so moving between them is a copy per tensor. Plain Java; keeps only the table.
 */
public final class GpuLayout {

    /** One tensor: its torchvision name, where it starts in DL4J's order and in the GPU's, and its length. */
    public record Segment(String torchName, long dl4jOffset, long gpuOffset, long length) {
    }

    /** Receives one piece of a range: {@code length} floats at {@code gpuOffset} on the GPU and {@code sliceOffset} in the slice. */
    @FunctionalInterface
    public interface Piece {
        void copy(long gpuOffset, int sliceOffset, int length);
    }

    private final List<Segment> segments;
    private final long size;

    private GpuLayout(List<Segment> segments, long size) {
        this.segments = List.copyOf(segments);
        this.size = size;
    }

    /** The layout of {@code model} on a GPU resnet of {@code entries} ({@link GpuResNet#layout}); refuses any mismatch by name. */
    public static GpuLayout of(ModelDescription model, List<GpuResNet.Entry> entries) {
        long trainable = entries.stream().filter(e -> e.kind() == GpuResNet.Kind.TRAINABLE).mapToLong(GpuResNet.Entry::size).sum();
        Map<String, GpuResNet.Entry> byName = new HashMap<>();
        entries.stream().filter(e -> e.kind() != GpuResNet.Kind.COUNTER).forEach(e -> byName.put(e.name(), e));
        List<Segment> segments = new ArrayList<>();
        for (ModelDescription.Op op : model.ops()) {
            for (ModelDescription.Param param : op.params()) {
                String name = ModelDescription.torchName(op, param);
                GpuResNet.Entry entry = byName.remove(name);
                if (entry == null) {
                    throw new IllegalArgumentException(name + ": the GPU engine's resnet50 has no such tensor");
                }
                if (entry.size() != param.length()) {
                    throw new IllegalArgumentException(name + ": " + param.length() + " values here, " + entry.size() + " on the GPU");
                }
                long gpuOffset = entry.kind() == GpuResNet.Kind.TRAINABLE ? entry.offset() : trainable + entry.offset();
                segments.add(new Segment(name, param.offset(), gpuOffset, param.length()));
            }
        }
        if (!byName.isEmpty()) {
            throw new IllegalArgumentException("the model has no " + byName.keySet().stream().sorted().toList()
                    + ": the GPU engine runs torchvision's resnet50 only");
        }
        segments.sort(Comparator.comparingLong(Segment::dl4jOffset));
        long size = model.layout().numParams();
        long covered = segments.stream().mapToLong(Segment::length).sum();
        if (covered != size) {
            throw new IllegalArgumentException("the tensors cover " + covered + " of the model's " + size + " values");
        }
        return new GpuLayout(segments, size);
    }

    /** The tensors, in DL4J's order. */
    public List<Segment> segments() {
        return segments;
    }

    /** Floats in a whole vector. */
    public long size() {
        return size;
    }

    /** A DL4J-ordered vector in the GPU's order. */
    public float[] toGpuOrder(float[] dl4j) {
        float[] gpu = new float[dl4j.length];
        for (Segment s : segments) {
            System.arraycopy(dl4j, (int) s.dl4jOffset(), gpu, (int) s.gpuOffset(), (int) s.length());
        }
        return gpu;
    }

    /** A GPU-ordered vector in DL4J's order. */
    public float[] toDl4jOrder(float[] gpu) {
        float[] dl4j = new float[gpu.length];
        for (Segment s : segments) {
            System.arraycopy(gpu, (int) s.gpuOffset(), dl4j, (int) s.dl4jOffset(), (int) s.length());
        }
        return dl4j;
    }

    /** The pieces of DL4J-order entries [{@code from}, {@code from + length}) on the GPU, in order (a chunk's copies). */
    public void pieces(long from, int length, Piece piece) {
        long to = from + length;
        if (from < 0 || to > size) {
            throw new IndexOutOfBoundsException("[" + from + ", " + to + ") of " + size);
        }
        for (Segment s : segments) {
            long start = Math.max(from, s.dl4jOffset());
            long end = Math.min(to, s.dl4jOffset() + s.length());
            if (start < end) {
                piece.copy(s.gpuOffset() + start - s.dl4jOffset(), (int) (start - from), (int) (end - start));
            }
        }
    }
}
