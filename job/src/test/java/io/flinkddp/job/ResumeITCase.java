package io.flinkddp.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkddp.config.TrainingSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Resuming through the whole job on a MiniCluster: a run of 2 epochs, resubmitted to the same --output
 * with --epochs 3, resumes from its checkpoint and ends with the parameters and metrics of an
 * uninterrupted 3-epoch run. A resubmission with other settings is refused before it starts.
 */
class ResumeITCase {

    @TempDir
    Path temp;

    @Test
    void aResubmittedRunResumesAndEndsLikeAnUninterruptedOne() throws Exception {
        Path data = EquivalenceITCase.writeTwoClassImages(temp.resolve("data"), 16);
        Path reference = temp.resolve("reference");
        Path resumed = temp.resolve("resumed");
        run(data, reference, 3, 0);
        run(data, resumed, 2, 0);

        JobRunner refused = JobRunner.run("--data", data.toUri().toString(), "--output", resumed.toUri().toString(),
                "--slots", "2", "--batch-size", "5", "--epochs", "3", "--crop", "32", "--model", "cnn-small", "--lr", "0.05");
        assertEquals(2, refused.exitCode(), refused.err());
        assertTrue(refused.err().contains("--batch-size 4") && refused.err().contains("--batch-size 5"), refused.err());

        run(data, resumed, 3, 0);

        float[] expected = EquivalenceITCase.model(reference).params().toFloatVector();
        float[] actual = EquivalenceITCase.model(resumed).params().toFloatVector();
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-6, "parameter " + i);
        }
        List<String> want = Files.readAllLines(reference.resolve("metrics.jsonl"));
        List<String> got = Files.readAllLines(resumed.resolve("metrics.jsonl"));
        assertEquals(3, got.size(), "metrics.jsonl lists epochs 1 to 3 once each: " + got);
        ObjectMapper json = new ObjectMapper();
        for (int i = 0; i < 3; i++) {
            JsonNode a = json.readTree(want.get(i));
            JsonNode b = json.readTree(got.get(i));
            assertEquals(i + 1, b.get("epoch").asInt());
            for (String key : List.of("train_loss", "train_top1", "val_loss", "val_top1", "lr")) {
                assertEquals(a.get(key).asDouble(), b.get(key).asDouble(), 1e-9, key + " of epoch " + (i + 1));
            }
        }
        JsonNode summary = json.readTree(resumed.resolve("summary.json").toFile());
        assertEquals(3, summary.get("epochs_completed").asInt());
        assertTrue(summary.get("resumed_from_steps").get(0).asLong() > 0, summary.toString());
    }

    private static void run(Path data, Path output, int epochs, int checkpointEveryRounds) throws Exception {
        TrainingSettings settings = EquivalenceITCase.settings(data, output, 2, 4, "--epochs", String.valueOf(epochs),
                "--checkpoint-every-rounds", String.valueOf(checkpointEveryRounds));
        TrainJob.train(TrainLocal.localEnvironment(null, settings), settings);
    }
}
