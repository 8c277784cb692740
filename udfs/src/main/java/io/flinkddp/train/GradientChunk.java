package io.flinkddp.train;

import io.flinkddp.config.WirePrecision;
import org.apache.flink.api.common.typeinfo.TypeInfo;
import org.apache.flink.api.java.functions.KeySelector;

/**
 * A slice of a flattened gradient (or of a sum of gradients): entries
 * [{@code index * chunkFloats}, + {@code values.length}), and the precision it travels in
 * ({@code --wire-precision}; receivers get the values widened back to float). It travels through
 * Flink with {@link GradientChunkSerializer} (the values as one block of bytes, no boxing, no Kryo).
 * Never mutated after it is emitted: sums are new chunks.
 */
@TypeInfo(GradientChunkTypeInfo.Factory.class)
public class GradientChunk {
    public int index;
    public float[] values;
    public WirePrecision wire = WirePrecision.FP32;

    public GradientChunk() {
    }

    public GradientChunk(int index, float[] values) {
        this(index, values, WirePrecision.FP32);
    }

    public GradientChunk(int index, float[] values, WirePrecision wire) {
        this.index = index;
        this.values = values;
        this.wire = wire;
    }

    /** The partitioning key of chunks-by-index: the chunk index. */
    public static final class Index implements KeySelector<GradientChunk, Integer> {
        @Override
        public Integer getKey(GradientChunk chunk) {
            return chunk.index;
        }
    }
}
