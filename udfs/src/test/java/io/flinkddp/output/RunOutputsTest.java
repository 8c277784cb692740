package io.flinkddp.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flinkddp.config.RunFiles;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code _SUCCESS}: empty, written only after the summary, and removed with it when a run is reopened. */
class RunOutputsTest {

    @TempDir
    Path temp;

    @Test
    void successIsEmptyAndFollowsTheSummary() throws Exception {
        RunOutputs outputs = new RunOutputs(temp.toUri().toString());
        outputs.writeLast(RunFiles.SUMMARY, Map.of("epochs_completed", 3));
        assertTrue(Files.readString(temp.resolve(RunFiles.SUMMARY)).contains("epochs_completed"));
        assertEquals(0, Files.size(temp.resolve(RunFiles.SUCCESS)), "_SUCCESS is empty");
        try (var files = Files.list(temp)) {
            assertEquals(2, files.count(), "no temporary file is left");
        }

        outputs.reopen();
        assertFalse(Files.exists(temp.resolve(RunFiles.SUCCESS)));
        assertFalse(Files.exists(temp.resolve(RunFiles.SUMMARY)));
    }

    @Test
    void noSuccessWhenTheSummaryCannotBeWritten() throws Exception {
        // A non-empty directory where summary.json goes: its write fails at the rename.
        Files.createDirectories(temp.resolve(RunFiles.SUMMARY).resolve("in-the-way"));
        RunOutputs outputs = new RunOutputs(temp.toUri().toString());
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> outputs.writeLast(RunFiles.SUMMARY, Map.of("a", 1)));
        assertTrue(e.getMessage().contains(RunFiles.SUMMARY), e.getMessage());
        assertFalse(Files.exists(temp.resolve(RunFiles.SUCCESS)), "_SUCCESS is written only after the summary");
    }
}
