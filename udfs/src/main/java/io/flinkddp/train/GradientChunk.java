package io.flinkddp.train;

import io.flinkddp.config.WirePrecision;
import org.apache.flink.api.common.typeinfo.TypeInfo;
import org.apache.flink.api.java.functions.KeySelector;

/**
 * A slice of one flattened vector a round exchanges: what it carries ({@link Payload}), entries
 * [{@code index * chunkFloats}, + {@code values.length}) of that vector ({@link ChunkLayout}), and the
 * precision it travels in ({@code --wire-precision}; receivers get the values widened back to float).
 * It travels through Flink with {@link GradientChunkSerializer} (the values as one block of bytes, no
 * boxing, no Kryo). Never mutated after it is emitted: sums are new chunks.
 */
@TypeInfo(GradientChunkTypeInfo.Factory.class)
public class GradientChunk {
    /** Chunk indices stay below this, so that {@link #key} is unique per (payload, index). */
    static final int MAX_CHUNKS = 1 << 20;

    public Payload payload = Payload.GRADIENT;
    public int index;
    public float[] values;
    public WirePrecision wire = WirePrecision.FP32;

    public GradientChunk() {
    }

    public GradientChunk(int index, float[] values) {
        this(Payload.GRADIENT, index, values, WirePrecision.FP32);
    }

    public GradientChunk(int index, float[] values, WirePrecision wire) {
        this(Payload.GRADIENT, index, values, wire);
    }

    public GradientChunk(Payload payload, int index, float[] values, WirePrecision wire) {
        this.payload = payload;
        this.index = index;
        this.values = values;
        this.wire = wire;
    }

    /** The chunk's identity across payloads: the key chunks are partitioned and summed by. */
    public int key() {
        return payload.ordinal() * MAX_CHUNKS + index;
    }

    /** The sum of chunks of this key, with {@code values} as its values. */
    public GradientChunk withValues(float[] sum) {
        return new GradientChunk(payload, index, sum, wire);
    }

    /** The partitioning key of chunks-by-index: {@link #key}. */
    public static final class Key implements KeySelector<GradientChunk, Integer> {
        @Override
        public Integer getKey(GradientChunk chunk) {
            return chunk.key();
        }
    }
}
