package io.flinkddp.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ResNet50 on the bundled Fashion-MNIST sample, 2 slots, 32 px: it learns, and every output is there and parses. */
class SampleSetITCase {

    static final Path SAMPLE = Path.of(System.getProperty("maven.multiModuleProjectDirectory", ".."), "samples", "fashion-mnist")
            .toAbsolutePath().normalize();

    @TempDir
    Path output;

    @Test
    void resNet50LearnsTheSampleSetOnTwoSlots() throws Exception {
        JobRunner run = JobRunner.run("--data", SAMPLE.toUri().toString(), "--output", output.toString(),
                "--slots", "2", "--crop", "32", "--epochs", "3", "--batch-size", "16");
        assertEquals(0, run.exitCode(), run.err());

        JsonNode summary = new ObjectMapper().readTree(output.resolve("summary.json").toFile());
        assertEquals(23_528_522L, summary.get("trainable_params").asLong());
        assertEquals(1000, summary.get("images").get("found").asInt());
        assertEquals(0, summary.get("images").get("skipped").asInt());
        assertEquals(800, summary.get("images").get("train").asInt());
        assertEquals(200, summary.get("images").get("val").asInt());
        assertEquals(10, summary.get("classes").asInt());
        assertTrue(summary.get("replicas_identical").asBoolean());

        List<String> lines = Files.readAllLines(output.resolve("metrics.jsonl"));
        assertEquals(3, lines.size());
        double bestValTop1 = 0;
        JsonNode epoch = null;
        for (int i = 0; i < lines.size(); i++) {
            epoch = new ObjectMapper().readTree(lines.get(i));
            assertEquals(i + 1, epoch.get("epoch").asInt());
            for (String key : List.of("train_loss", "train_top1", "val_loss", "val_top1", "val_top5", "lr", "images_per_second", "seconds")) {
                assertTrue(epoch.get(key).isNumber(), key);
            }
            bestValTop1 = Math.max(bestValTop1, epoch.get("val_top1").asDouble());
        }
        assertTrue(bestValTop1 > 0.2, "validation top-1 " + bestValTop1 + " is clearly above chance (0.1)");
        assertEquals(epoch, summary.get("final_metrics"), "summary.json's final metrics are the last epoch's line of metrics.jsonl");

        ComputationGraph model = ModelSerializer.restoreComputationGraph(output.resolve("model.zip").toFile(), false);
        assertEquals(10, model.getLayer("fc").getParam("W").columns());
        List<String> labels = Files.readAllLines(output.resolve("labels.txt"));
        assertEquals("0\t0-t-shirt-top", labels.get(0));
        assertEquals(10, labels.size());
        try (var files = Files.list(output)) {
            assertTrue(files.noneMatch(file -> file.getFileName().toString().contains("inprogress")), "no temporary files left");
        }
    }
}
