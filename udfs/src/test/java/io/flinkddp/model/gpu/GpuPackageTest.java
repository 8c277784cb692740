package io.flinkddp.model.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What of the GPU engine can be checked without a GPU: it imports nothing of ND4J, DL4J or Flink (it runs on a
 * machine with a JRE, the CUDA presets and the pickle library only), and convolution shapes and their plan keys.
 * The ops themselves are checked on a GPU against PyTorch by bench/gpu/ops-check.sh and bench/gpu/resnet-check.sh
 * (BENCHMARKS.md, part GPU); CI has no GPU.
 */
class GpuPackageTest {

    @Test
    void importsNoNd4jDl4jOrFlink() throws IOException {
        Path sources = Path.of("src/main/java/io/flinkddp/model/gpu");
        try (Stream<Path> files = Files.list(sources)) {
            List<String> offending = files.flatMap(f -> {
                try {
                    return Files.readAllLines(f).stream().filter(l -> l.matches("import (static )?org\\.(nd4j|deeplearning4j|apache\\.flink)\\..*"))
                            .map(l -> f.getFileName() + ": " + l);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }).toList();
            assertEquals(List.of(), offending);
        }
    }

    @Test
    void convolutionShapes() {
        ConvShape stem = new ConvShape(100, 3, 224, 224, 64, 7, 7, 2, 3);
        assertEquals(112, stem.outH());
        assertEquals(100L * 64 * 112 * 112, stem.outputFloats());
        ConvShape down = new ConvShape(8, 256, 56, 56, 512, 1, 1, 2, 0);
        assertEquals(28, down.outW());
        assertEquals(down, new ConvShape(8, 256, 56, 56, 512, 1, 1, 2, 0), "equal shapes share one plan");
        assertEquals(down.hashCode(), down.withBatch(9).withBatch(8).hashCode());
        assertTrue(!down.equals(down.withBatch(9)), "another batch size is another plan");
        assertThrows(IllegalArgumentException.class, () -> new ConvShape(1, 3, 2, 2, 8, 7, 7, 1, 0));
    }
}
