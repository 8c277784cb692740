package io.flinkddp.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkddp.testing.TorchPython;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * predict gives PyTorch's numbers: torch_predict.py (Debian's python3 with torchvision) saves a seeded
 * torchvision resnet50 with randomised batch-norm statistics, writes real 224 px PNGs (Fashion-MNIST samples
 * upscaled) in a folder tree and computes its eval-mode top 5 with torchvision's normalisation; PredictJob on a
 * MiniCluster with 2 slots, reading the .pth and ImageNet's 1000 class names, must list the same five classes
 * in the same order, with the same softmax probabilities (to {@link #TOLERANCE}).
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class PredictTorchvisionITCase {

    private static final double TOLERANCE = 1e-4;

    @TempDir
    static Path dir;

    @BeforeAll
    static void runPyTorch() throws Exception {
        Path samples = Path.of(System.getProperty("maven.multiModuleProjectDirectory", ".."), "samples", "fashion-mnist");
        TorchPython.runScript(PredictTorchvisionITCase.class, "torch_predict.py", dir, dir.toString(), samples.toString());
    }

    @Test
    void topFiveClassesAndProbabilitiesArePyTorchs() throws Exception {
        Path output = dir.resolve("predicted");
        JobRunner run = JobRunner.predict("--model", dir.resolve("resnet50.pth").toUri().toString(),
                "--data", dir.resolve("images").toUri().toString(), "--output", output.toUri().toString(),
                "--class-names", dir.resolve("class_names.txt").toUri().toString(),
                "--resize", "224", "--crop", "224", "--slots", "2", "--batch-size", "2");
        assertEquals(0, run.exitCode(), run.err());

        ObjectMapper json = new ObjectMapper();
        JsonNode expected = json.readTree(dir.resolve("expected.json").toFile());
        List<String> lines = Files.readAllLines(output.resolve("predictions.jsonl"));
        assertEquals(expected.size(), lines.size(), String.join("\n", lines));
        List<String> classNames = Files.readAllLines(dir.resolve("class_names.txt"));
        List<String> paths = new ArrayList<>();
        double worst = 0;
        for (String line : lines) {
            JsonNode got = json.readTree(line);
            String path = got.get("path").asText();
            paths.add(path);
            JsonNode want = expected.get(path);
            assertTrue(want != null, "PyTorch scored no image " + path);
            JsonNode top = got.get("top");
            assertEquals(5, top.size(), line);
            for (int j = 0; j < 5; j++) {
                int index = top.get(j).get("index").asInt();
                assertEquals(want.get("classes").get(j).asInt(), index, path + ": class " + j + " of the top 5: " + line);
                assertEquals(classNames.get(index), top.get(j).get("class").asText(), line);
                double difference = Math.abs(want.get("probabilities").get(j).asDouble() - top.get(j).get("probability").asDouble());
                worst = Math.max(worst, difference);
                assertTrue(difference <= TOLERANCE, path + ": probability " + j + " off by " + difference + ": " + line);
            }
        }
        System.out.printf("predict against PyTorch eval mode, %d images: top-5 classes equal, probabilities within %.2e%n",
                lines.size(), worst);
        assertEquals(paths.stream().sorted().toList(), paths, "lines sorted by path");

        JsonNode summary = json.readTree(output.resolve("summary.json").toFile());
        assertEquals(5, summary.get("images").get("found").asInt(), summary.toString());
        assertEquals(5, summary.get("images").get("scored").asInt(), summary.toString());
        assertEquals(0, summary.get("images").get("skipped").asInt(), summary.toString());
        assertEquals(1000, summary.get("classes").asInt(), summary.toString());
        assertEquals(224, summary.get("settings").get("resize").asInt(), summary.toString());
    }
}
