package io.flinkddp.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkddp.config.TrainingSettings;
import io.flinkddp.model.DeviceClaims;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input gets a clear message naming the culprit, or a counted skip; never half-written output. */
class BadInputITCase {

    @TempDir
    Path temp;

    private static String[] small(Path data, Path output, String... more) {
        String[] base = {"--data", data.toUri().toString(), "--output", output.toString(), "--model", "cnn-small",
            "--crop", "32", "--epochs", "1", "--batch-size", "8"};
        String[] all = Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    @Test
    void brokenImagesAreSkippedAndCountedOtherFilesIgnoredAndTrainingGoesOn() throws Exception {
        Path data = EquivalenceITCase.writeTwoClassImages(temp.resolve("data"), 10);
        Path cls = data.resolve("class-0");
        Files.write(cls.resolve("zero.jpg"), new byte[0]);
        byte[] png = Files.readAllBytes(cls.resolve("img0.png"));
        Files.write(cls.resolve("truncated.png"), Arrays.copyOf(png, png.length / 2));
        Files.writeString(cls.resolve("corrupt.JPG"), "not an image at all");
        Files.writeString(cls.resolve("notes.txt"), "ignored");
        Files.writeString(cls.resolve("_SUCCESS"), "");
        Files.writeString(cls.resolve(".hidden.png"), "ignored");
        Files.createDirectories(data.resolve("empty-class"));
        Path output = temp.resolve("run");

        JobRunner run = JobRunner.run(small(data, output));
        assertEquals(0, run.exitCode(), run.err());
        JsonNode summary = new ObjectMapper().readTree(output.resolve("summary.json").toFile());
        assertEquals(23, summary.get("images").get("found").asInt());
        assertEquals(3, summary.get("images").get("skipped").asInt());
        assertEquals(20, summary.get("images").get("decoded").asInt());
        assertEquals("empty-class", summary.get("empty_classes").get(0).asText());
        assertEquals(3, summary.get("classes").asInt());
        assertTrue(Files.exists(output.resolve("model.zip")));
    }

    @Test
    void noImagesStopsBeforeTrainingAndWritesNothing() throws Exception {
        Path data = Files.createDirectories(temp.resolve("data/cats"));
        Files.createDirectories(temp.resolve("data/dogs"));
        Files.writeString(data.resolve("readme.txt"), "no images here");
        Path output = temp.resolve("run");
        JobRunner run = JobRunner.run(small(temp.resolve("data"), output));
        assertEquals(2, run.exitCode());
        assertTrue(run.err().startsWith("error: no images (.jpg, .jpeg, .png) found under"), run.err());
        assertFalse(Files.exists(output.resolve("summary.json")), "nothing written");
    }

    @Test
    void noDecodableImageStopsWithTheReason() throws Exception {
        Path data = Files.createDirectories(temp.resolve("data"));
        for (String cls : new String[] {"cats", "dogs"}) {
            Files.createDirectories(data.resolve(cls));
            for (int i = 0; i < 3; i++) {
                Files.writeString(data.resolve(cls).resolve(i + ".jpg"), "garbage");
            }
        }
        // With the project's configuration, whose restart strategy restarts a failed job up to 5 times:
        // bad data is not retried.
        Path conf = Path.of(System.getProperty("maven.multiModuleProjectDirectory", ".."), "conf");
        JobRunner run = JobRunner.run(conf, small(data, temp.resolve("run")));
        assertEquals(2, run.exitCode());
        assertTrue(run.err().startsWith("error: no training image under"), run.err());
        assertFalse(Files.exists(temp.resolve("run").resolve("summary.json")));

        // The job itself: Flink's failure handler declared the failure unrecoverable, so no attempt followed the first.
        TrainingSettings settings = TrainingSettings.parse(Map.of(), small(data, temp.resolve("run2")), null, null);
        Exception failure = assertThrows(Exception.class,
                () -> TrainJob.train(TrainLocal.localEnvironment(conf.toString(), settings), settings));
        assertTrue(ExceptionUtils.findThrowableWithMessage(failure, "The failure is not recoverable").isPresent(),
                "not restarted: " + ExceptionUtils.stringifyException(failure));
        // The slots claimed their device in round 1 and failed in round 2: the failed attempt gave the claims back.
        assertEquals(0, new DeviceClaims(DeviceClaims.DEFAULT_DIRECTORY, 1).claimsOf(0), "claims left by the failed attempt");
    }

    /** This machine has no GPU: --device gpu stops the run in one line that names what is missing, with no restart. */
    @Test
    void deviceGpuWithoutAGpuStopsWithWhatIsMissing() throws Exception {
        Path data = EquivalenceITCase.writeTwoClassImages(temp.resolve("data"), 8);
        Path output = temp.resolve("gpu");
        JobRunner run = JobRunner.run(small(data, output, "--device", "gpu", "--model", "resnet50"));
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().contains("--device gpu: ") && run.err().contains("install"), run.err());
        assertTrue(!Files.exists(output.resolve("model.zip")), "nothing trained");
    }

    @Test
    void oneClassOrTooManySlotsStopWithTheReason() throws Exception {
        Path data = EquivalenceITCase.writeTwoClassImages(temp.resolve("data"), 4);
        JobRunner tooMany = JobRunner.run(small(data, temp.resolve("a"), "--slots", "2", "--train-fraction", "0.9"));
        assertEquals(2, tooMany.exitCode());
        assertTrue(tooMany.err().contains("--slots 2 is more than the shards have images"), tooMany.err());

        Path single = Files.createDirectories(temp.resolve("single"));
        Files.move(data.resolve("class-0"), single.resolve("class-0"));
        JobRunner oneClass = JobRunner.run(small(single, temp.resolve("b")));
        assertEquals(2, oneClass.exitCode());
        assertTrue(oneClass.err().contains("need images in at least two class folders"), oneClass.err());
    }

    @Test
    void badOptionsAndMissingDataNameTheCulprit() {
        JobRunner unknown = JobRunner.run("--bach-size", "3");
        assertEquals(2, unknown.exitCode());
        assertEquals("error: unknown option --bach-size on the command line (see --help)\n", unknown.err());

        JobRunner zero = JobRunner.run("--data", temp.toString(), "--batch-size", "0");
        assertEquals("error: --batch-size must be at least 1, got 0\n", zero.err());

        JobRunner missing = JobRunner.run("--data", temp.resolve("nope").toUri().toString(), "--output", temp.resolve("o").toString());
        assertEquals(2, missing.exitCode());
        assertTrue(missing.err().contains("--data " + temp.resolve("nope").toUri() + ": no such directory"), missing.err());

        JobRunner help = JobRunner.run("--help");
        assertEquals(0, help.exitCode());
        assertTrue(help.out().contains("--train-fraction"));
    }

    @Test
    void dryRunWritesTheSummaryAndTrainsNothing() throws Exception {
        Path data = EquivalenceITCase.writeTwoClassImages(temp.resolve("data"), 5);
        Path output = temp.resolve("dry");
        JobRunner run = JobRunner.run("--data", data.toUri().toString(), "--output", output.toString(), "--dry-run",
                "--crop", "32");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode summary = new ObjectMapper().readTree(output.resolve("summary.json").toFile());
        assertEquals(10, summary.get("images").get("found").asInt());
        assertEquals(8, summary.get("images").get("train").asInt());
        assertEquals(23_512_130L, summary.get("trainable_params").asLong());
        assertTrue(summary.get("dry_run").asBoolean());
        assertFalse(Files.exists(output.resolve("model.zip")));

        JobRunner again = JobRunner.run("--data", data.toUri().toString(), "--output", output.toString(), "--dry-run");
        assertEquals(2, again.exitCode());
        assertTrue(again.err().contains("already holds a finished run"), again.err());
    }
}
