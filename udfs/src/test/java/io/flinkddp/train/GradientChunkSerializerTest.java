package io.flinkddp.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flinkddp.config.WirePrecision;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class GradientChunkSerializerTest {

    private static final float[] VALUES = {0f, -0f, 1f, -1.5f, 3.14159265f, 1e-30f, -7.7e20f, Float.MAX_VALUE, Float.MIN_VALUE,
        Float.POSITIVE_INFINITY, 123456.789f};

    private static GradientChunk roundTrip(GradientChunk chunk, int expectedBytes) throws Exception {
        GradientChunkSerializer serializer = new GradientChunkSerializer();
        DataOutputSerializer out = new DataOutputSerializer(16);
        serializer.serialize(chunk, out);
        assertEquals(expectedBytes, out.length());
        return serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    }

    @Test
    void flinkUsesTheBulkSerializerForChunks() {
        assertTrue(TypeInformation.of(GradientChunk.class) instanceof GradientChunkTypeInfo);
    }

    @Test
    void fp32TravelsExactlyInFourBytesPerValue() throws Exception {
        GradientChunk back = roundTrip(new GradientChunk(7, VALUES), 9 + 4 * VALUES.length);
        assertEquals(7, back.index);
        assertEquals(Payload.GRADIENT, back.payload);
        assertEquals(WirePrecision.FP32, back.wire);
        assertArrayEquals(VALUES, back.values);
    }

    @Test
    void bf16TravelsInTwoBytesPerValueRoundedToNearest() throws Exception {
        GradientChunk back = roundTrip(new GradientChunk(Payload.MOMENTUM, 3, VALUES, WirePrecision.BF16), 9 + 2 * VALUES.length);
        assertEquals(WirePrecision.BF16, back.wire);
        assertEquals(Payload.MOMENTUM, back.payload, "the payload travels with the chunk");
        assertEquals(3, back.index);
        for (int i = 0; i < VALUES.length; i++) {
            float expected = VALUES[i];
            if (Float.isInfinite(expected) || expected == Float.MAX_VALUE) {
                assertTrue(Float.isInfinite(back.values[i]) || back.values[i] == expected, "huge values stay huge");
            } else {
                assertEquals(expected, back.values[i], Math.abs(expected) * 0x1p-8 + Float.MIN_VALUE, "value " + i);
            }
        }
        assertEquals(1.0f, GradientChunkSerializer.fromBf16(GradientChunkSerializer.toBf16(1.00390625f)), "ties round to even");
        assertTrue(Float.isNaN(GradientChunkSerializer.fromBf16(GradientChunkSerializer.toBf16(Float.NaN))));
    }
}
