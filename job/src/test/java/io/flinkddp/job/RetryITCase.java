package io.flinkddp.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flinkddp.config.RunFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A scheduler's contract, through the whole command on a MiniCluster: a finished run leaves an empty {@code
 * _SUCCESS} after its summary; the same command again exits 0 at once without training (its model.zip
 * untouched); the same {@code --output} with another {@code --lr} is refused (exit 2) naming {@code --lr}.
 */
class RetryITCase {

    @TempDir
    Path temp;

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aRetryOfAFinishedRunDoesNothingAndOtherSettingsAreRefused() throws Exception {
        Path data = EquivalenceITCase.writeTwoClassImages(temp.resolve("data"), 8);
        Path output = temp.resolve("run");
        JobRunner first = JobRunner.run(args(data, output, "0.05"));
        assertEquals(0, first.exitCode(), first.err());
        assertTrue(first.out().contains("done: outputs in"), first.out());

        Path success = output.resolve(RunFiles.SUCCESS);
        assertTrue(Files.isRegularFile(success), "_SUCCESS written");
        assertEquals(0, Files.size(success), "_SUCCESS is empty");
        assertFalse(Files.getLastModifiedTime(success).compareTo(Files.getLastModifiedTime(output.resolve(RunFiles.SUMMARY))) < 0,
                "_SUCCESS is written after summary.json");

        FileTime model = Files.getLastModifiedTime(output.resolve(RunFiles.MODEL));
        JobRunner retry = JobRunner.run(args(data, output, "0.05"));
        assertEquals(0, retry.exitCode(), retry.err());
        assertTrue(retry.out().startsWith("already done: outputs in " + output.toUri()) && retry.out().contains("nothing to do"),
                retry.out());
        assertEquals(1, retry.out().lines().count(), retry.out());
        assertEquals(model, Files.getLastModifiedTime(output.resolve(RunFiles.MODEL)), "no new training");
        assertTrue(retry.seconds() < first.seconds(), "the retry took " + retry.seconds() + " s, the run " + first.seconds() + " s");

        JobRunner other = JobRunner.run(args(data, output, "0.1"));
        assertEquals(2, other.exitCode(), other.out() + other.err());
        assertTrue(other.err().contains("--lr 0.05") && other.err().contains("--lr 0.1"), other.err());
        assertEquals(model, Files.getLastModifiedTime(output.resolve(RunFiles.MODEL)));
    }

    private static String[] args(Path data, Path output, String lr) {
        List<String> args = new ArrayList<>(List.of("--data", data.toUri().toString(), "--output", output.toUri().toString(),
                "--slots", "2", "--batch-size", "4", "--epochs", "2", "--crop", "32", "--model", "cnn-small", "--lr", lr));
        return args.toArray(String[]::new);
    }
}
