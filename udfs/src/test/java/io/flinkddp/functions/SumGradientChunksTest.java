package io.flinkddp.functions;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.flinkddp.config.WirePrecision;
import io.flinkddp.train.GradientChunk;
import io.flinkddp.train.Payload;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.api.common.functions.util.ListCollector;
import org.junit.jupiter.api.Test;

/** sum-gradients adds the chunks of each (payload, index) across slots, and keeps payloads apart. */
class SumGradientChunksTest {

    @Test
    void sumsPerPayloadAndIndex() {
        List<GradientChunk> in = List.of(
                new GradientChunk(Payload.PARAMETER_MOVE, 0, new float[] {1, 2}, WirePrecision.BF16),
                new GradientChunk(Payload.MOMENTUM, 0, new float[] {10, 20}, WirePrecision.BF16),
                new GradientChunk(Payload.PARAMETER_MOVE, 1, new float[] {5}, WirePrecision.BF16),
                new GradientChunk(Payload.PARAMETER_MOVE, 0, new float[] {0.5f, -2}, WirePrecision.BF16),
                new GradientChunk(Payload.MOMENTUM, 0, new float[] {1, 1}, WirePrecision.BF16));
        List<GradientChunk> out = new ArrayList<>();
        new SumGradientChunks().mapPartition(in, new ListCollector<>(out));
        out.sort(Comparator.comparingInt(GradientChunk::key));

        assertEquals(3, out.size());
        assertEquals(Payload.PARAMETER_MOVE, out.get(0).payload);
        assertEquals(0, out.get(0).index);
        assertArrayEquals(new float[] {1.5f, 0}, out.get(0).values);
        assertEquals(Payload.PARAMETER_MOVE, out.get(1).payload);
        assertEquals(1, out.get(1).index);
        assertArrayEquals(new float[] {5}, out.get(1).values);
        assertEquals(Payload.MOMENTUM, out.get(2).payload);
        assertArrayEquals(new float[] {11, 21}, out.get(2).values);
        out.forEach(sum -> assertEquals(WirePrecision.BF16, sum.wire, "sums go back in the chunks' precision"));
    }

    @Test
    void chunksOfOneKeyAndDifferentLengthsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> SumGradientChunks.add(new float[2], new float[3]));
    }
}
