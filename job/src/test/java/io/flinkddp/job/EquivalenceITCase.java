package io.flinkddp.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkddp.config.TrainingSettings;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data-parallel guarantee, through the whole job on a MiniCluster: 2 slots x batch b give the
 * same parameters as 1 slot x batch 2b, and the 2 replicas stay identical (the job checks their
 * fingerprints every epoch and reports it in summary.json).
 */
class EquivalenceITCase {

    @TempDir
    Path temp;

    @Test
    void twoSlotsOfBatchBEqualOneSlotOfBatch2B() throws Exception {
        Path data = writeTwoClassImages(temp.resolve("data"), 10);
        Path twoSlots = temp.resolve("two-slots");
        Path oneSlot = temp.resolve("one-slot");
        // 20 images: 16 train. Two slots of 8 and one slot of 16 each take one round per epoch. The two
        // slots keep their images in the spill file (--image-cache-mb 0), the one slot on the heap.
        TrainingSettings spilled = settings(data, twoSlots, 2, 8, "--image-cache-mb", "0");
        TrainJob.train(TrainLocal.localEnvironment(null, spilled), spilled);
        TrainJob.train(TrainLocal.localEnvironment(null, settings(data, oneSlot, 1, 16)), settings(data, oneSlot, 1, 16));

        JsonNode summary = new ObjectMapper().readTree(twoSlots.resolve("summary.json").toFile());
        assertTrue(summary.get("replicas_identical").asBoolean());
        assertEquals(3, summary.get("epochs_completed").asInt());
        assertEquals(16, summary.get("images").get("train").asInt());
        assertEquals(20, summary.get("images").get("found").asInt(), "split and summary saw every image");

        float[] expected = model(oneSlot).params().toFloatVector();
        float[] actual = model(twoSlots).params().toFloatVector();
        float[] initial = io.flinkddp.model.Networks.build(settings(data, oneSlot, 1, 16), 2).params().toFloatVector();
        double moved = 0;
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 2e-5, "parameter " + i);
            moved = Math.max(moved, Math.abs(expected[i] - initial[i]));
        }
        assertTrue(moved > 1e-3, "training moved the parameters by " + moved);
    }

    /** cnn-small, 3 epochs, 32 px, lr 0.05, unless {@code more} options say otherwise. */
    static TrainingSettings settings(Path data, Path output, int slots, int batch, String... more) {
        List<String> args = new ArrayList<>(List.of("--slots", String.valueOf(slots), "--batch-size", String.valueOf(batch),
                "--epochs", "3", "--crop", "32", "--model", TrainingSettings.CNN_SMALL, "--lr", "0.05"));
        args.addAll(List.of(more));
        return TrainingSettings.parse(Map.of(), args.toArray(String[]::new), data.toUri().toString(), output.toUri().toString());
    }

    static ComputationGraph model(Path run) throws Exception {
        return ModelSerializer.restoreComputationGraph(run.resolve("model.zip").toFile(), false);
    }

    /** Two visually distinct classes of noisy PNGs. */
    static Path writeTwoClassImages(Path root, int perClass) throws Exception {
        Random random = new Random(7);
        for (int c = 0; c < 2; c++) {
            Path folder = Files.createDirectories(root.resolve("class-" + c));
            for (int i = 0; i < perClass; i++) {
                BufferedImage image = new BufferedImage(40, 36, BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < 36; y++) {
                    for (int x = 0; x < 40; x++) {
                        int base = c == 0 ? 40 : 200;
                        int v = Math.max(0, Math.min(255, base + random.nextInt(50) - 25));
                        image.setRGB(x, y, (v << 16) | ((255 - v) << 8) | v);
                    }
                }
                ImageIO.write(image, "png", new File(folder.toFile(), "img" + i + ".png"));
            }
        }
        return root;
    }
}
