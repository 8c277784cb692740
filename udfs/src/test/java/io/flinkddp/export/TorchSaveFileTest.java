package io.flinkddp.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flinkddp.model.weights.TorchStateDict;
import io.flinkddp.model.weights.TorchTensor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link TorchSaveFile} against our reader, {@link io.flinkddp.model.weights.TorchStateDict}: names,
 * order, shapes and values come back (a 4-d float tensor, a vector, a 0-d int64 counter), and every
 * record is stored with its data at a multiple of 64 bytes, as torch.save writes them.
 */
class TorchSaveFileTest {

    @Test
    void whatItWritesReadsBackInOrderWithAlignedRecords() throws Exception {
        Map<String, TorchTensor> entries = new LinkedHashMap<>();
        entries.put("conv1.weight", new TorchTensor("FloatStorage", new long[] {2, 3, 1, 2}, floats(12, -0.5f)));
        entries.put("bn1.running_var", new TorchTensor("FloatStorage", new long[] {5}, floats(5, 1.25f)));
        entries.put("bn1.num_batches_tracked", new TorchTensor("LongStorage", new long[0], new float[] {7}));
        entries.put("fc.bias", new TorchTensor("FloatStorage", new long[] {3}, new float[] {Float.MIN_VALUE, -0f, 3.4e38f}));
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        TorchSaveFile.write(entries, file);

        Map<String, TorchTensor> read = TorchStateDict.read(new ByteArrayInputStream(file.toByteArray()), "test");
        assertEquals(new ArrayList<>(entries.keySet()), new ArrayList<>(read.keySet()));
        for (Map.Entry<String, TorchTensor> e : entries.entrySet()) {
            TorchTensor got = read.get(e.getKey());
            assertEquals(e.getValue().storageType(), got.storageType(), e.getKey());
            assertArrayEquals(e.getValue().shape(), got.shape(), e.getKey());
            assertArrayEquals(e.getValue().values(), got.values(), e.getKey());
        }
        assertEquals(List.of("archive/data.pkl", "archive/data/0", "archive/data/1", "archive/data/2", "archive/data/3",
                "archive/version", "archive/byteorder"), localRecords(file.toByteArray()));
    }

    /** The records' names, walking the local headers; each record must be stored and start its data at a multiple of 64. */
    private static List<String> localRecords(byte[] zip) {
        ByteBuffer b = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        List<String> names = new ArrayList<>();
        int at = 0;
        while (b.getInt(at) == 0x04034b50) {
            assertEquals(0, b.getShort(at + 8), "stored, not compressed");
            int size = b.getInt(at + 18);
            int nameLength = b.getShort(at + 26);
            int extraLength = b.getShort(at + 28);
            String name = new String(zip, at + 30, nameLength, java.nio.charset.StandardCharsets.UTF_8);
            int data = at + 30 + nameLength + extraLength;
            assertEquals(0, data % 64, name + "'s data at " + data);
            names.add(name);
            at = data + size;
        }
        return names;
    }

    private static float[] floats(int n, float scale) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = scale * (i - n / 2f);
        }
        return values;
    }
}
