package io.flinkddp.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkddp.config.TrainingSettings;
import io.flinkddp.data.ImageRef;
import io.flinkddp.data.SplitImage;
import io.flinkddp.data.SplitPlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * predict and evaluate with the model.zip of a short training run (cnn-small, 2 slots, 32 px) on a
 * MiniCluster: evaluated on exactly the run's validation images (chosen by the run's own
 * {@link SplitPlan}), evaluate's top-1 and loss are the run's last validation top-1 and loss; predict
 * scores every image; an undecodable image is skipped and counted; an unknown class folder and a
 * missing model file stop the command with one line naming them.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class ScoringITCase {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path temp;
    private static Path data;
    private static Path run;
    private static TrainingSettings training;

    @BeforeAll
    static void train() throws Exception {
        data = EquivalenceITCase.writeTwoClassImages(temp.resolve("data"), 12);
        run = temp.resolve("run");
        training = EquivalenceITCase.settings(data, run, 2, 4, "--epochs", "2");
        TrainJob.train(TrainLocal.localEnvironment(null, training), training);
    }

    private static String uri(Path path) {
        return path.toUri().toString();
    }

    private static String[] args(Path images, Path output, String... more) {
        String[] base = {"--model", uri(run.resolve("model.zip")), "--data", uri(images), "--output", uri(output), "--slots", "2",
            "--batch-size", "3"};
        String[] all = Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    @Test
    void evaluateOnTheValidationSplitGivesTheRunsLastValidationNumbers() throws Exception {
        Path validation = temp.resolve("validation");
        List<ImageRef> listed = new ArrayList<>();
        try (Stream<Path> files = Files.walk(data)) {
            files.filter(Files::isRegularFile).sorted().forEach(file -> listed.add(new ImageRef(
                    data.relativize(file).toString(), file.getParent().getFileName().toString().equals("class-0") ? 0 : 1)));
        }
        int copied = 0;
        for (SplitImage image : SplitPlan.assign(listed, training.seed(), training.subsetFraction(), training.trainFraction(), 2)) {
            if (image.role == SplitImage.VALIDATION) {
                Path target = validation.resolve(image.relativePath);
                Files.createDirectories(target.getParent());
                Files.copy(data.resolve(image.relativePath), target);
                copied++;
            }
        }
        Path output = temp.resolve("evaluated");
        JobRunner evaluate = JobRunner.evaluate(args(validation, output));
        assertEquals(0, evaluate.exitCode(), evaluate.err());
        assertEquals(0, Files.size(output.resolve("_SUCCESS")), "evaluate ends with an empty _SUCCESS");

        JsonNode last = JSON.readTree(run.resolve("summary.json").toFile()).get("final_metrics");
        JsonNode evaluation = JSON.readTree(output.resolve("evaluation.json").toFile());
        System.out.printf("evaluate on the %d validation images: top1 %s loss %s; the run's last validation: top1 %s loss %s%n", copied,
                evaluation.get("top1"), evaluation.get("loss"), last.get("val_top1"), last.get("val_loss"));
        assertEquals(copied, evaluation.get("images").get("scored").asInt(), evaluation.toString());
        assertEquals(last.get("val_top1").asDouble(), evaluation.get("top1").asDouble(), 1e-12, evaluation + " vs " + last);
        assertEquals(last.get("val_top5").asDouble(), evaluation.get("top5").asDouble(), 1e-12, evaluation + " vs " + last);
        assertEquals(last.get("val_loss").asDouble(), evaluation.get("loss").asDouble(), 1e-5 * Math.max(1, last.get("val_loss").asDouble()));
        assertEquals(32, evaluation.get("settings").get("crop").asInt(), "the run's crop, from its summary.json");

        List<String> csv = Files.readAllLines(output.resolve("confusion.csv"));
        assertEquals(List.of("true\\predicted,class-0,class-1"), csv.subList(0, 1));
        long[] perClass = new long[2];
        long diagonal = 0;
        for (int c = 0; c < 2; c++) {
            String[] row = csv.get(1 + c).split(",");
            assertEquals("class-" + c, row[0]);
            perClass[c] = Long.parseLong(row[1]) + Long.parseLong(row[2]);
            diagonal += Long.parseLong(row[1 + c]);
            assertEquals(perClass[c], evaluation.get("per_class").get(c).get("images").asLong());
        }
        assertEquals(copied, perClass[0] + perClass[1]);
        assertEquals(evaluation.get("top1").asDouble(), (double) diagonal / copied, 1e-12, "top-1 is the confusion matrix's diagonal");
    }

    @Test
    void predictScoresEveryImageAndSkipsAndCountsAnUndecodableOne() throws Exception {
        Path images = temp.resolve("to-predict");
        Files.createDirectories(images.resolve("nested/deeper"));
        Files.copy(data.resolve("class-0/img0.png"), images.resolve("top.png"));
        Files.copy(data.resolve("class-1/img1.png"), images.resolve("nested/deeper/b.png"));
        Files.writeString(images.resolve("nested/broken.jpg"), "not an image");
        Files.writeString(images.resolve("nested/notes.txt"), "ignored");
        Path output = temp.resolve("predicted");
        JobRunner predict = JobRunner.predict(args(images, output, "--top-k", "1"));
        assertEquals(0, predict.exitCode(), predict.err());
        assertEquals(0, Files.size(output.resolve("_SUCCESS")), "predict ends with an empty _SUCCESS");

        List<String> lines = Files.readAllLines(output.resolve("predictions.jsonl"));
        assertEquals(2, lines.size(), String.join("\n", lines));
        JsonNode first = JSON.readTree(lines.get(0));
        assertEquals("nested/deeper/b.png", first.get("path").asText());
        assertEquals(1, first.get("top").size());
        assertTrue(first.get("top").get(0).get("class").asText().startsWith("class-"), lines.get(0));
        assertEquals("top.png", JSON.readTree(lines.get(1)).get("path").asText());
        JsonNode images1 = JSON.readTree(output.resolve("summary.json").toFile()).get("images");
        assertEquals(3, images1.get("found").asInt(), images1.toString());
        assertEquals(2, images1.get("scored").asInt(), images1.toString());
        assertEquals(1, images1.get("skipped").asInt(), images1.toString());

        JobRunner again = JobRunner.predict(args(images, output));
        assertEquals(2, again.exitCode());
        assertTrue(again.err().contains("already holds summary.json"), again.err());
        JobRunner retry = JobRunner.predict(args(images, output, "--top-k", "1"));
        assertEquals(0, retry.exitCode(), retry.err());
        assertTrue(retry.out().startsWith("already done: outputs in "), retry.out());
    }

    @Test
    void aFolderTheModelDoesNotKnowIsOneErrorNamingIt() throws Exception {
        Path images = temp.resolve("unknown");
        Files.createDirectories(images.resolve("class-1"));
        Files.createDirectories(images.resolve("zebras"));
        Files.copy(data.resolve("class-1/img0.png"), images.resolve("class-1/img0.png"));
        Files.copy(data.resolve("class-1/img1.png"), images.resolve("zebras/img1.png"));
        Path output = temp.resolve("unknown-out");
        JobRunner evaluate = JobRunner.evaluate(args(images, output));
        assertEquals(2, evaluate.exitCode(), evaluate.err());
        assertEquals("error: --data " + uri(images) + ": class folder 'zebras' is not a class of --model " + uri(run.resolve("model.zip"))
                + "; its 2 classes: class-0, class-1\n", evaluate.err());
        assertFalse(Files.exists(output), "nothing written");
    }

    @Test
    void aMissingModelFileIsOneLineNamingIt() {
        String missing = uri(temp.resolve("nowhere/model.zip"));
        JobRunner predict = JobRunner.predict("--model", missing, "--data", uri(data), "--output", uri(temp.resolve("o")));
        assertEquals(2, predict.exitCode(), predict.err());
        assertEquals("error: --model " + missing + ": no such file\n", predict.err());

        JobRunner help = JobRunner.evaluate("--help");
        assertEquals(0, help.exitCode());
        assertTrue(help.out().contains("--class-names") && !help.out().contains("--top-k") && help.out().contains("the model's"),
                help.out());
    }
}
