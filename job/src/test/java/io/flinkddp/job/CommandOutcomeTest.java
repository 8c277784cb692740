package io.flinkddp.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flinkddp.config.InvalidSettingsException;
import io.flinkddp.config.RunFiles;
import io.flinkddp.data.InvalidDataException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobID;
import org.apache.flink.core.execution.DetachedJobExecutionResult;
import org.apache.flink.runtime.client.JobExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exit codes of the commands: 0 only with {@code _SUCCESS} written (or detached), 2 for refusals, 1 for other failures. */
class CommandOutcomeTest {

    @TempDir
    Path temp;

    final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    final PrintStream stream = new PrintStream(printed, true, StandardCharsets.UTF_8);

    int ended(JobExecutionResult result) {
        try {
            return CommandOutcome.done(result, temp.toUri().toString(), stream);
        } catch (Exception e) {
            return CommandOutcome.failed(e, "training job", stream);
        }
    }

    @Test
    void anAttachedRunIsDoneOnlyWithItsSuccessMarker() throws Exception {
        JobExecutionResult finished = new JobExecutionResult(new JobID(), 1000, Map.of());
        assertEquals(1, ended(finished), "no _SUCCESS yet");
        assertTrue(printed.toString(StandardCharsets.UTF_8).contains("holds no _SUCCESS"), printed.toString(StandardCharsets.UTF_8));
        Files.createFile(temp.resolve(RunFiles.SUCCESS));
        assertEquals(0, ended(finished));
    }

    @Test
    void aDetachedSubmissionPrintsItsJobId() {
        JobID id = new JobID();
        assertEquals(0, ended(new DetachedJobExecutionResult(id)));
        assertTrue(printed.toString(StandardCharsets.UTF_8).startsWith("submitted (detached): job " + id + ", outputs will be in "),
                printed.toString(StandardCharsets.UTF_8));
    }

    @Test
    void refusalsAreTwoAndOtherFailuresOne() {
        JobID id = new JobID();
        assertEquals(2, CommandOutcome.failed(new JobExecutionException(id, "wrapped", new InvalidDataException("no images below x")),
                "training job", stream));
        assertEquals(2, CommandOutcome.failed(new InvalidSettingsException("--lr -1"), "training job", stream));
        assertEquals(1, CommandOutcome.failed(new JobExecutionException(id, "wrapped", new java.io.IOException("disk full")),
                "training job", stream));
    }
}
