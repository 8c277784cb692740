package io.flinkddp.train;

/**
 * A slice of a flattened gradient (or of a sum of gradients): entries
 * [{@code index * chunkFloats}, + {@code values.length}). Flink POJO with a primitive float array,
 * so it travels without Kryo or boxing. Never mutated after it is emitted: sums are new chunks.
 */
public class GradientChunk {
    public int index;
    public float[] values;

    public GradientChunk() {
    }

    public GradientChunk(int index, float[] values) {
        this.index = index;
        this.values = values;
    }
}
