package io.flinkddp.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runs the PyTorch side of a test: Debian's {@code /usr/bin/python3} with python3-torch and
 * python3-torchvision (not the python3 first on PATH). Without torchvision the calling test fails,
 * saying what to install. Output goes to a log file in the working folder, shown when a script fails.
 */
public final class TorchPython {

    public static final String PYTHON = "/usr/bin/python3";

    private TorchPython() {
    }

    /** Fails the test unless {@link #PYTHON} imports torchvision. */
    public static void requireTorchvision(Path dir) throws Exception {
        if (run(dir, List.of(PYTHON, "-c", "import torchvision"), "import.log") != 0) {
            List<String> log = Files.readAllLines(dir.resolve("import.log"));
            fail(PYTHON + " cannot import torchvision (" + (log.isEmpty() ? "no output" : log.get(log.size() - 1))
                    + "): install Debian's python3-torch and python3-torchvision (apt-get install python3-torch python3-torchvision)");
        }
    }

    /** Runs {@code script} (a test resource of {@code owner}) with {@code args}; fails the test with the script's output unless it exits 0. */
    public static void runScript(Class<?> owner, String script, Path dir, String... args) throws Exception {
        requireTorchvision(dir);
        List<String> command = new ArrayList<>(List.of(PYTHON, Path.of(owner.getResource(script).toURI()).toString()));
        command.addAll(List.of(args));
        String log = script + ".log";
        int exit = run(dir, command, log);
        assertEquals(0, exit, script + " failed: " + Files.readString(dir.resolve(log)));
    }

    private static int run(Path dir, List<String> command, String log) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve(log).toFile()).start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", command) + " did not finish in 90 s");
        }
        return p.exitValue();
    }

    /** A raw little-endian float32 file that a script wrote, as an array of the given shape. */
    public static INDArray floats(Path file, long... shape) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(values);
        return Nd4j.create(values, shape, 'c');
    }
}
