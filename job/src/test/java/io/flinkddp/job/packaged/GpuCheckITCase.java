package io.flinkddp.job.packaged;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flinkddp.model.gpu.GpuAvailability;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code mvn package} assembles for {@code bin/gpu-check} travels to a GPU machine with only a JRE: at most
 * 16 MB, no Flink, ND4J, DL4J or OpenCV; and on a host without a usable GPU the command stops with exit code 2 and
 * one line naming what is missing. (The check itself runs on a GPU machine: bench/gpu/resnet-check.sh.)
 */
class GpuCheckITCase {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path LIB = ROOT.resolve("job/target/gpu-check");

    @TempDir
    Path dir;

    @Test
    void travelsLight() throws IOException {
        List<Path> jars;
        try (Stream<Path> files = Files.list(LIB)) {
            jars = files.toList();
        }
        long bytes = 0;
        for (Path jar : jars) {
            bytes += Files.size(jar);
            String name = jar.getFileName().toString();
            assertTrue(!name.matches("(flink-(?!ddp)|nd4j|deeplearning4j|opencv|openblas).*"), name + " does not belong in gpu-check");
        }
        assertTrue(bytes <= 16L << 20, "gpu-check holds " + bytes + " bytes, more than 16 MB");
        assertTrue(jars.stream().anyMatch(j -> j.getFileName().toString().startsWith("cuda-")), "the CUDA presets: " + jars);
    }

    @Test
    void withoutAGpuSaysWhatIsMissing() throws Exception {
        Assumptions.assumeTrue(GpuAvailability.problem().isPresent(), "this host has a usable GPU: the failure line cannot be shown");
        Process p = new ProcessBuilder(ROOT.resolve("bin/gpu-check").toString(), "--init-weights", "w.pth", "--images", "x.npy",
                "--labels", "y.npy", "--output", dir.resolve("out").toString())
                .directory(dir.toFile()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "bin/gpu-check did not finish in 60 s");
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(2, p.exitValue(), output);
        List<String> lines = output.lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), output);
        assertTrue(lines.get(0).matches("gpu-check: lib\\S+\\.so\\S* was not found: install .*|gpu-check: no CUDA device .*"), output);
        assertTrue(Files.notExists(dir.resolve("out")), "nothing written");
    }
}
