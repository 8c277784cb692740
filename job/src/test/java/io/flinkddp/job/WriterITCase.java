package io.flinkddp.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkddp.config.RunFiles;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One writer per {@code --output}, through the whole command on a MiniCluster: a {@code _WRITER} naming a
 * process that has ended is taken over (the run records itself, and its record stays); one naming a live
 * process of this host is waited for: when that process has finished the run, the command ends "already
 * done" (exit 0, nothing trained); when it dies without {@code _SUCCESS}, the command says so (exit 1).
 */
class WriterITCase {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OTHER_JOB = "0123456789abcdef0123456789abcdef";

    @TempDir
    Path temp;

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aDeadWriterIsTakenOverAndALiveOneWaitedFor() throws Exception {
        Path data = EquivalenceITCase.writeTwoClassImages(temp.resolve("data"), 8);
        Path output = temp.resolve("run");
        Process ended = new ProcessBuilder("true").start();
        assertEquals(0, ended.waitFor());
        writeWriter(output, ended.pid());
        JobRunner run = JobRunner.run(args(data, output));
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(Files.isRegularFile(output.resolve(RunFiles.SUCCESS)), "_SUCCESS written");
        JsonNode writer = JSON.readTree(output.resolve(RunWriter.FILE).toFile());
        assertEquals(ProcessHandle.current().pid(), writer.path("pid").asLong(), "the run recorded itself, and the record stays");
        assertEquals(RunWriter.nextJobId(output.toUri().toString(), OTHER_JOB).toHexString(), writer.path("jobId").asText(),
                "its job id follows the one it took over from");

        // A live writer that finishes the run while the command waits: the command ends as a retry of a finished run.
        Path model = output.resolve("model.zip");
        FileTime trained = Files.getLastModifiedTime(model);
        Files.delete(output.resolve(RunFiles.SUCCESS));
        Process finishing = new ProcessBuilder("sleep", "3").start();
        writeWriter(output, finishing.pid());
        Thread finish = new Thread(() -> {
            try {
                Thread.sleep(1500);
                Files.writeString(output.resolve(RunFiles.SUCCESS), "");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        finish.start();
        JobRunner waited = JobRunner.run(args(data, output));
        finish.join();
        assertEquals(0, waited.exitCode(), waited.out() + waited.err());
        assertTrue(waited.out().contains("is being written by job " + OTHER_JOB + " (RUNNING in process " + finishing.pid() + " on "
                + InetAddress.getLocalHost().getHostName()) && waited.out().contains("waiting for process " + finishing.pid() + " to end"),
                waited.out());
        assertTrue(waited.out().contains("already done: outputs in " + output.toUri()), waited.out());
        assertTrue(waited.seconds() >= 2.5, "waited for the process: " + waited.seconds() + " s");
        assertEquals(trained, Files.getLastModifiedTime(model), "nothing trained");

        // A live writer that dies without finishing the run: the command reports it.
        Files.delete(output.resolve(RunFiles.SUCCESS));
        Process dying = new ProcessBuilder("sleep", "2").start();
        writeWriter(output, dying.pid());
        JobRunner failed = JobRunner.run(args(data, output));
        assertEquals(1, failed.exitCode(), failed.out() + failed.err());
        assertEquals("error: process " + dying.pid() + " ended without finishing " + output.toUri() + " (it holds no _SUCCESS);"
                + " the command run again resumes from its checkpoints", failed.err().strip());
        assertEquals(trained, Files.getLastModifiedTime(model), "nothing trained");
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
