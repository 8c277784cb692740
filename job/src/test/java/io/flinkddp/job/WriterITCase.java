package io.flinkddp.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkddp.output.RunOutputs;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.java.ExecutionEnvironment;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.JobListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One writer per {@code --output}, through the whole command on a MiniCluster: a {@code _WRITER} naming a
 * live process of this host refuses the run (exit 2, one line, nothing trained); one naming a process
 * that has ended is taken over: the run writes its own {@code _WRITER} while it runs and leaves none.
 */
class WriterITCase {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OTHER_JOB = "0123456789abcdef0123456789abcdef";

    @TempDir
    Path temp;

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aLiveWriterRefusesTheRunAndADeadOneIsTakenOver() throws Exception {
        Path data = EquivalenceITCase.writeTwoClassImages(temp.resolve("data"), 8);
        Path output = temp.resolve("run");
        writeWriter(output, ProcessHandle.current().pid());

        JobRunner refused = JobRunner.run(args(data, output));
        assertEquals(2, refused.exitCode(), refused.out() + refused.err());
        assertEquals("error: --output " + output.toUri() + " is being written by job " + OTHER_JOB + " (RUNNING in process "
                + ProcessHandle.current().pid() + " on " + InetAddress.getLocalHost().getHostName() + ", started 2026-12-02T05:00:00Z);"
                + " wait for it to end, or choose another --output", refused.err().strip());
        try (Stream<Path> files = Files.list(output)) {
            assertEquals(List.of(output.resolve(RunWriter.FILE)), files.toList(), "nothing trained, the writer's record kept");
        }

        Process finished = new ProcessBuilder("true").start();
        assertEquals(0, finished.waitFor());
        writeWriter(output, finished.pid());
        AtomicReference<String> recordedAtEnd = new AtomicReference<>();
        JobRunner run = JobRunner.run(null, settings -> {
            ExecutionEnvironment env = TrainLocal.localEnvironment(null, settings);
            env.registerJobListener(new JobListener() {  // called before RunWriter's: _WRITER is still there
                @Override
                public void onJobSubmitted(JobClient client, Throwable failure) {
                }

                @Override
                public void onJobExecuted(JobExecutionResult result, Throwable failure) {
                    try {
                        JsonNode writer = JSON.readTree(output.resolve(RunWriter.FILE).toFile());
                        recordedAtEnd.set(writer.path("jobId").asText() + " " + writer.path("pid").asLong());
                    } catch (Exception e) {
                        recordedAtEnd.set(e.toString());
                    }
                }
            });
            return env;
        }, args(data, output));
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(Files.isRegularFile(output.resolve(RunOutputs.SUCCESS)), "_SUCCESS written");
        assertFalse(Files.exists(output.resolve(RunWriter.FILE)), "no _WRITER left");
        String jobId = recordedAtEnd.get().split(" ")[0];
        assertTrue(jobId.matches("[0-9a-f]{32}") && !jobId.equals(OTHER_JOB), recordedAtEnd.get());
        assertEquals(jobId + " " + ProcessHandle.current().pid(), recordedAtEnd.get(), "the run recorded itself while it ran");
    }

    private static void writeWriter(Path output, long pid) throws Exception {
        Files.createDirectories(output);
        Files.writeString(output.resolve(RunWriter.FILE), JSON.writeValueAsString(Map.of("jobId", OTHER_JOB, "pid", pid,
                "host", InetAddress.getLocalHost().getHostName(), "started", "2026-12-02T05:00:00Z")));
    }

    private static String[] args(Path data, Path output) {
        return new String[] {"--data", data.toUri().toString(), "--output", output.toUri().toString(), "--slots", "2", "--batch-size", "4",
                "--epochs", "1", "--crop", "32", "--model", "cnn-small"};
    }
}
