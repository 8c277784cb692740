package io.flinkddp.model.gpu;

import io.flinkddp.model.ModelDescription;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A replica's flattened vector (a {@link ModelDescription}'s order) to and from torchvision's
 * {@code state_dict} entries, by {@link ModelDescription#torchName}: each tensor is a contiguous run in
 * the vector with torch's memory layout, so the mapping only cuts and places. Plain Java, for
 * {@code bin/gpu-check}, which reads and writes {@code .pth} and {@code .npz} without DL4J. Keeps nothing.
 */
public final class TorchvisionState {

    /** A state_dict entry: its shape as torch has it and its values. */
    public record Tensor(long[] shape, float[] values) {
    }

    private TorchvisionState() {
    }

    /** The vector of {@code model} from state_dict values by name; a missing or wrongly sized entry is refused by name. */
    public static float[] vector(ModelDescription model, Map<String, float[]> stateDict) {
        float[] vector = new float[Math.toIntExact(model.layout().numParams())];
        for (ModelDescription.Op op : model.ops()) {
            for (ModelDescription.Param p : op.params()) {
                String name = ModelDescription.torchName(op, p);
                float[] values = stateDict.get(name);
                if (values == null) {
                    throw new IllegalArgumentException("no " + name + " in the state_dict");
                }
                if (values.length != p.length()) {
                    throw new IllegalArgumentException(name + " has " + values.length + " values, the model needs " + p.length());
                }
                System.arraycopy(values, 0, vector, (int) p.offset(), values.length);
            }
        }
        return vector;
    }

    /**
     * The state_dict of a vector: every parameter and running statistic under its torchvision name and
     * shape, and with {@code batchesTracked} each batch norm's {@code num_batches_tracked} (one value);
     * with {@code trainableOnly}, the trained tensors alone (a gradient's).
     */
    public static Map<String, Tensor> stateDict(ModelDescription model, float[] vector, boolean trainableOnly, long batchesTracked) {
        Map<String, Tensor> entries = new LinkedHashMap<>();
        for (ModelDescription.Op op : model.ops()) {
            for (ModelDescription.Param p : op.params()) {
                boolean statistic = p.key().equals("mean") || p.key().equals("var");
                if (trainableOnly && statistic) {
                    continue;
                }
                float[] values = Arrays.copyOfRange(vector, (int) p.offset(), (int) (p.offset() + p.length()));
                entries.put(ModelDescription.torchName(op, p), new Tensor(torchShape(op, p), values));
            }
            if (!trainableOnly && op.kind() == ModelDescription.Kind.BATCH_NORM) {
                entries.put(op.name() + ".num_batches_tracked", new Tensor(new long[0], new float[] {batchesTracked}));
            }
        }
        return entries;
    }

    /** Torch's shape: a convolution's W as it is, the classifier's W [in, out] in 'f' order is torch's [out, in], the rest [n]. */
    static long[] torchShape(ModelDescription.Op op, ModelDescription.Param p) {
        if (op.kind() == ModelDescription.Kind.CONVOLUTION && p.key().equals("W")) {
            return p.shape().stream().mapToLong(Long::longValue).toArray();
        }
        if (op.kind() == ModelDescription.Kind.CLASSIFIER && p.key().equals("W")) {
            return new long[] {p.shape().get(1), p.shape().get(0)};
        }
        return new long[] {p.length()};
    }
}
