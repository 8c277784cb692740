package io.flinkddp.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkddp.config.InvalidSettingsException;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobID;
import org.apache.flink.core.execution.DetachedJobExecutionResult;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link RunWriter#decide} with stand-in lookups, and {@link RunWriter#refuseIfRunning} on the files of an output folder. */
class RunWriterTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String JOB = "0123456789abcdef0123456789abcdef";
    private static final String REST = "http://jm:8081";

    @TempDir
    Path temp;

    /** Answers with {@code state} (null: unknown job, "unreachable": no answer) for job JOB at REST only; pid 42 alive on host "here". */
    private static RunWriter.Lookups lookups(String state) {
        return new RunWriter.Lookups() {
            @Override
            public Optional<String> jobState(String rest, String jobId) throws IOException {
                assertEquals(REST, rest);
                assertEquals(JOB, jobId);
                if ("unreachable".equals(state)) {
                    throw new ConnectException("Connection refused");
                }
                return Optional.ofNullable(state);
            }

            @Override
            public boolean alive(long pid) {
                return pid == 42;
            }

            @Override
            public String host() {
                return "here";
            }
        };
    }

    private static JsonNode onCluster() {
        return JSON.valueToTree(Map.of("jobId", JOB, "rest", REST, "started", "2026-12-02T05:00:00Z"));
    }

    private static JsonNode local(long pid, String host) {
        return JSON.valueToTree(Map.of("jobId", JOB, "pid", pid, "host", host, "started", "2026-12-02T05:00:00Z"));
    }

    @Test
    void aJobStillRunningOnTheClusterIsNamedWithItsStateAndAddress() {
        for (String state : new String[] {"RUNNING", "RESTARTING", "INITIALIZING"}) {
            RunWriter.Verdict verdict = RunWriter.decide("s3://b/run", onCluster(), lookups(state));
            assertTrue(verdict.running(), state);
            assertEquals("--output s3://b/run is being written by job " + JOB + " (" + state + " on " + REST
                    + "); wait for it with bin/await-job " + JOB + ", or choose another --output", verdict.line());
        }
    }

    @Test
    void aJobThatEndedIsUnknownOrCannotBeAskedAboutIsTakenOver() {
        for (String state : new String[] {"FINISHED", "FAILED", "CANCELED"}) {
            RunWriter.Verdict verdict = RunWriter.decide("s3://b/run", onCluster(), lookups(state));
            assertFalse(verdict.running(), state);
            assertTrue(verdict.line().contains("which is " + state + " at " + REST) && verdict.line().contains("takes over"), verdict.line());
        }
        RunWriter.Verdict unknown = RunWriter.decide("s3://b/run", onCluster(), lookups(null));
        assertFalse(unknown.running());
        assertTrue(unknown.line().contains("does not know"), unknown.line());
        RunWriter.Verdict unreachable = RunWriter.decide("s3://b/run", onCluster(), lookups("unreachable"));
        assertFalse(unreachable.running());
        assertTrue(unreachable.line().contains("does not answer (Connection refused)"), unreachable.line());
    }

    @Test
    void aLocalWriterCountsWhileItsProcessLivesOnThisHost() {
        RunWriter.Verdict alive = RunWriter.decide("/tmp/run", local(42, "here"), lookups(null));
        assertTrue(alive.running());
        assertTrue(alive.line().startsWith("--output /tmp/run is being written by job " + JOB + " (RUNNING in process 42 on here"), alive.line());
        RunWriter.Verdict dead = RunWriter.decide("/tmp/run", local(43, "here"), lookups(null));
        assertFalse(dead.running());
        assertTrue(dead.line().contains("process 43 on here is gone"), dead.line());
        RunWriter.Verdict elsewhere = RunWriter.decide("/tmp/run", local(42, "there"), lookups(null));
        assertFalse(elsewhere.running(), "a pid of another host cannot be checked: it blocks nothing");
        assertTrue(elsewhere.line().contains("on host there, which cannot be checked from here"), elsewhere.line());
    }

    @Test
    void onlyAWriterOfAnUnfinishedOutputIsChecked() throws IOException {
        Path output = temp.resolve("run");
        RunWriter writer = new RunWriter(output.toUri().toString(), null);
        assertFalse(writer.refuseIfRunning(lookups(null)), "no _WRITER: nothing to check");
        Files.createDirectories(output);
        Files.writeString(output.resolve(RunWriter.FILE), JSON.writeValueAsString(local(42, "here")));
        InvalidSettingsException refused = assertThrows(InvalidSettingsException.class, () -> writer.refuseIfRunning(lookups(null)));
        assertTrue(refused.getMessage().contains("is being written by job " + JOB), refused.getMessage());
        Files.writeString(output.resolve("_SUCCESS"), "");
        assertFalse(writer.refuseIfRunning(lookups(null)), "_SUCCESS: finished, whatever _WRITER says");
    }

    @Test
    void aSubmissionIsRecordedAndOnlyAnAttachedRunDeletesTheRecordWhenItEnds() throws IOException {
        JobID id = JobID.fromHexString(JOB);
        JobClient client = (JobClient) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {JobClient.class},
                (proxy, method, args) -> {
                    assertEquals("getJobID", method.getName());
                    return id;
                });
        Path output = temp.resolve("cluster");
        RunWriter detached = new RunWriter(output.toUri().toString(), REST);
        detached.onJobSubmitted(client, null);
        JsonNode record = JSON.readTree(output.resolve(RunWriter.FILE).toFile());
        assertEquals(JOB, record.path("jobId").asText());
        assertEquals(REST, record.path("rest").asText());
        assertFalse(record.has("pid"));
        detached.onJobExecuted(new DetachedJobExecutionResult(id), null);
        assertTrue(Files.exists(output.resolve(RunWriter.FILE)), "a detached submission leaves _WRITER to its running job");

        RunWriter attached = new RunWriter(output.toUri().toString(), REST);
        attached.onJobSubmitted(client, null);
        attached.onJobExecuted(new JobExecutionResult(id, 1, Map.of()), null);
        assertFalse(Files.exists(output.resolve(RunWriter.FILE)), "an attached run deletes it when its job ends");

        RunWriter failed = new RunWriter(output.toUri().toString(), null);
        failed.onJobSubmitted(client, null);
        assertEquals(ProcessHandle.current().pid(), JSON.readTree(output.resolve(RunWriter.FILE).toFile()).path("pid").asLong());
        failed.onJobExecuted(null, new IllegalStateException("job failed"));
        assertFalse(Files.exists(output.resolve(RunWriter.FILE)), "and when it fails");
    }
}
