package io.flinkddp.model.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flinkddp.testing.TorchPython;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Npy} reads what NumPy writes and writes what NumPy reads (Debian's numpy, via python3-torch): float32, int64 and streamed uint8 arrays. */
class NpyTest {

    @TempDir
    Path dir;

    @Test
    void roundTripsFloatsAndLongs() throws Exception {
        float[] values = {1.5f, -2f, Float.MIN_VALUE, 3e38f, 0f, 7f};
        Npy.Array back = Npy.parse(Npy.encode(values, 2, 3), "mem");
        assertArrayEquals(new long[] {2, 3}, back.shape());
        assertArrayEquals(values, back.floats());
        Npy.Array scalar = Npy.parse(Npy.encode(new long[] {42}), "mem");
        assertEquals(0, scalar.shape().length);
        assertArrayEquals(new long[] {42}, scalar.longs());
        byte[] header = Npy.encode(values, 6);
        assertEquals(0, (10 + (header[8] & 0xff)) % 64, "the data starts 64-byte aligned, as NumPy writes it");
    }

    @Test
    void readsNumpysFilesAndNumpyReadsOurs() throws Exception {
        Npy.write(dir.resolve("ours.npy"), new float[] {0.25f, -1f, 2f, 3f}, 2, 2);
        Map<String, byte[]> npz = new LinkedHashMap<>();
        npz.put("a.b", Npy.encode(new float[] {1f, 2f}, 2));
        npz.put("n", Npy.encode(new long[] {5}));
        Npy.writeNpz(dir.resolve("ours.npz"), npz);
        Npy.writeUint8(dir.resolve("ours-u8.npy"), List.of(new byte[] {0, 1, 2, 3, 4, 5}, new byte[] {(byte) 250, 7, 8, 9, 10, 11}), 2, 1, 2, 3);
        String script = String.join("\n",
                "import numpy as np",
                "a = np.load('ours.npy'); assert a.dtype == np.float32 and a.shape == (2, 2) and a[1, 1] == 3, a",
                "z = np.load('ours.npz'); assert list(z['a.b']) == [1, 2] and int(z['n']) == 5 and z['n'].dtype == np.int64",
                "u = np.load('ours-u8.npy'); assert u.dtype == np.uint8 and u.shape == (2, 1, 2, 3) and u[1, 0, 0, 0] == 250 and u[1, 0, 1, 2] == 11, u",
                "np.save('u8.npy', np.arange(24, dtype=np.uint8).reshape(2, 2, 2, 3))",
                "np.save('i64.npy', np.array([3, -1, 7], dtype=np.int64))",
                "np.save('f64.npy', np.array([[0.5, 1.5]]))");
        Files.writeString(dir.resolve("np.py"), script, StandardCharsets.UTF_8);
        Process p = new ProcessBuilder(TorchPython.PYTHON, "np.py").directory(dir.toFile()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        Npy.Array u8 = Npy.read(dir.resolve("u8.npy"));
        assertArrayEquals(new long[] {2, 2, 2, 3}, u8.shape());
        assertEquals(23, u8.bytes()[23]);
        assertArrayEquals(new int[] {3, -1, 7}, Npy.read(dir.resolve("i64.npy")).ints());
        assertArrayEquals(new float[] {0.5f, 1.5f}, Npy.read(dir.resolve("f64.npy")).floats());
    }

    @Test
    void namesTheFileAndWhatIsWrong() {
        IllegalArgumentException notNpy = assertThrows(IllegalArgumentException.class, () -> Npy.parse(new byte[20], "x.npy"));
        assertTrue(notNpy.getMessage().contains("x.npy is not a .npy file"), notNpy.getMessage());
        byte[] truncated = Npy.encode(new float[] {1f, 2f, 3f}, 3);
        IllegalArgumentException shortData = assertThrows(IllegalArgumentException.class,
                () -> Npy.parse(java.util.Arrays.copyOf(truncated, truncated.length - 4), "t.npy"));
        assertTrue(shortData.getMessage().contains("t.npy: shape [3] of <f4 needs 12 bytes"), shortData.getMessage());
        IllegalArgumentException wrongType = assertThrows(IllegalArgumentException.class,
                () -> Npy.parse(Npy.encode(new float[] {1f}, 1), "f.npy").bytes());
        assertTrue(wrongType.getMessage().contains("expected a uint8 array"), wrongType.getMessage());
    }
}
