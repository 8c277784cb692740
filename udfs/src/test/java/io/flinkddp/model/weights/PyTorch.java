package io.flinkddp.model.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The reference side of the tests that compare with PyTorch: runs a test resource script with Debian's
 * python3 (python3-torch, python3-torchvision) into a folder, and reads the raw float32 files it writes.
 */
public final class PyTorch {

    public static final String PYTHON = "/usr/bin/python3";

    private PyTorch() {
    }

    /** Runs {@code script} (a resource next to {@code owner}) with {@code dir} as its argument; fails the test if it fails. */
    public static void run(Class<?> owner, String script, Path dir) throws Exception {
        if (run(List.of(PYTHON, "-c", "import torchvision"), dir.resolve("import.log")) != 0) {
            List<String> log = Files.readAllLines(dir.resolve("import.log"));
            fail(PYTHON + " cannot import torchvision (" + (log.isEmpty() ? "no output" : log.get(log.size() - 1))
                    + "): install Debian's python3-torch and python3-torchvision (apt-get install python3-torch python3-torchvision)");
        }
        Path file = Path.of(owner.getResource(script).toURI());
        Path log = dir.resolve(script + ".log");
        assertEquals(0, run(List.of(PYTHON, file.toString(), dir.toString()), log), script + " failed: " + Files.readString(log));
    }

    private static int run(List<String> command, Path log) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", command) + " did not finish in 90 s");
        }
        return p.exitValue();
    }

    /** A raw little-endian float32 file as an array of the given shape. */
    public static INDArray floats(Path file, long... shape) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(values);
        return Nd4j.create(values, shape, 'c');
    }
}
