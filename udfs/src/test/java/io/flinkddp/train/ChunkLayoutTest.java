package io.flinkddp.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.flinkddp.config.WirePrecision;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Cutting vectors into chunks and putting them back together gives the vectors, whatever the payload. */
class ChunkLayoutTest {

    @Test
    void cutsAndReassemblesEveryPayload() {
        ChunkLayout layout = new ChunkLayout(10, 4);
        assertEquals(3, layout.chunks());
        assertEquals(8, layout.offset(2));
        assertEquals(2, layout.length(2), "the last chunk is shorter");
        float[] move = new float[10];
        float[] momentum = new float[10];
        for (int i = 0; i < 10; i++) {
            move[i] = i;
            momentum[i] = -i;
        }
        List<GradientChunk> chunks = new ArrayList<>();
        layout.emit(List.of(Payload.PARAMETER_MOVE, Payload.MOMENTUM), (payload, offset, values) ->
                System.arraycopy(payload == Payload.MOMENTUM ? momentum : move, (int) offset, values, 0, values.length),
                WirePrecision.FP32, chunks::add);
        assertEquals(6, chunks.size());
        float[] moveBack = new float[10];
        float[] momentumBack = new float[10];
        for (GradientChunk chunk : chunks) {
            System.arraycopy(chunk.values, 0, chunk.payload == Payload.MOMENTUM ? momentumBack : moveBack,
                    (int) layout.offset(chunk.index), chunk.values.length);
        }
        assertArrayEquals(move, moveBack);
        assertArrayEquals(momentum, momentumBack);
        assertEquals(6, chunks.stream().map(GradientChunk::key).distinct().count(), "keys are unique across payloads");
    }

    @Test
    void refusesEmptyLayouts() {
        assertThrows(IllegalArgumentException.class, () -> new ChunkLayout(0, 4));
    }
}
