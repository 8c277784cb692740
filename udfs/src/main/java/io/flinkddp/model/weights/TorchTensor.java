package io.flinkddp.model.weights;

import java.util.Arrays;

/**
 * One tensor of a {@code torch.save}d state_dict, as {@link TorchStateDict} reads it: the storage
 * class it came from ({@code FloatStorage}, or {@code LongStorage} for a counter such as
 * {@code num_batches_tracked}), its shape and its values in c-order (row-major), as float.
 */
public record TorchTensor(String storageType, long[] shape, float[] values) {

    public long numel() {
        return values.length;
    }

    /** The shape as PyTorch prints it: {@code [64, 3, 7, 7]}. */
    public String shapeText() {
        return Arrays.toString(shape);
    }
}
