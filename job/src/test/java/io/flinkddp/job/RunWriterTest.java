package io.flinkddp.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptionsInternal;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RunWriter#decide} with stand-in lookups; {@link RunWriter#claim} and {@link RunWriter#winner} on
 * the files of an output folder and a stand-in JobManager; the record a submission leaves.
 */
class RunWriterTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String JOB = "0123456789abcdef0123456789abcdef";
    private static final String REST = "http://jm:8081";

    @TempDir
    Path temp;

    /** A JobManager at REST knowing the jobs in {@code states} ("unreachable": it does not answer); pid 42 alive on host "here". */
    private static WriterLookups lookups(Map<String, String> states) {
        return new WriterLookups() {
            @Override
            public Optional<String> jobState(String rest, String jobId) throws IOException {
                assertEquals(REST, rest);
                if ("unreachable".equals(states.get(jobId))) {
                    throw new ConnectException("Connection refused");
                }
                return Optional.ofNullable(states.get(jobId));
            }

            @Override
            public boolean alive(long pid, String started) {
                return pid == 42;
            }

            @Override
            public String host() {
                return "here";
            }
        };
    }

    private static WriterLookups job(String state) {
        Map<String, String> states = new HashMap<>();
        states.put(JOB, state);
        return lookups(states);
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
            RunWriter.Verdict verdict = RunWriter.decide("s3://b/run", onCluster(), job(state));
            assertTrue(verdict.running(), state);
            assertEquals("--output s3://b/run is being written by job " + JOB + " (" + state + " on " + REST + ")", verdict.line());
        }
    }

    @Test
    void aJobThatEndedIsUnknownOrCannotBeAskedAboutIsTakenOver() {
        for (String state : new String[] {"FINISHED", "FAILED", "CANCELED"}) {
            RunWriter.Verdict verdict = RunWriter.decide("s3://b/run", onCluster(), job(state));
            assertFalse(verdict.running(), state);
            assertTrue(verdict.line().contains("which is " + state + " at " + REST) && verdict.line().contains("takes over"), verdict.line());
        }
        RunWriter.Verdict unknown = RunWriter.decide("s3://b/run", onCluster(), job(null));
        assertFalse(unknown.running());
        assertTrue(unknown.line().contains("does not know"), unknown.line());
        RunWriter.Verdict unreachable = RunWriter.decide("s3://b/run", onCluster(), job("unreachable"));
        assertFalse(unreachable.running());
        assertTrue(unreachable.line().contains("does not answer (Connection refused)"), unreachable.line());
    }

    @Test
    void aLocalWriterCountsWhileItsProcessLivesOnThisHost() {
        RunWriter.Verdict alive = RunWriter.decide("/tmp/run", local(42, "here"), job(null));
        assertTrue(alive.running());
        assertTrue(alive.line().startsWith("--output /tmp/run is being written by job " + JOB + " (RUNNING in process 42 on here"), alive.line());
        RunWriter.Verdict dead = RunWriter.decide("/tmp/run", local(43, "here"), job(null));
        assertFalse(dead.running());
        assertTrue(dead.line().contains("process 43 on here is gone"), dead.line());
        RunWriter.Verdict elsewhere = RunWriter.decide("/tmp/run", local(42, "there"), job(null));
        assertFalse(elsewhere.running(), "a pid of another host cannot be checked: it blocks nothing");
        assertTrue(elsewhere.line().contains("on host there, which cannot be checked from here"), elsewhere.line());
    }

    @Test
    void aReusedPidIsAnotherProcess() {
        ProcessHandle self = ProcessHandle.current();
        String started = self.info().startInstant().orElseThrow().toString();
        assertTrue(WriterLookups.SYSTEM.alive(self.pid(), started));
        assertTrue(WriterLookups.SYSTEM.alive(self.pid(), null), "a record without the start time: the pid alone");
        assertFalse(WriterLookups.SYSTEM.alive(self.pid(), "2001-01-01T00:00:00Z"), "this pid, started at another time");
    }

    @Test
    void jobIdsFollowFromTheOutputAndTheJobBefore() {
        assertEquals(RunWriter.nextJobId("s3://b/run", null), RunWriter.nextJobId("s3://b/run", null));
        assertNotEquals(RunWriter.nextJobId("s3://b/run", null), RunWriter.nextJobId("s3://b/other", null));
        assertNotEquals(RunWriter.nextJobId("s3://b/run", null), RunWriter.nextJobId("s3://b/run", JOB));
    }

    @Test
    void aFreeOutputClaimsTheIdThatFollowsItsRecordSkippingEndedJobs() throws IOException {
        Path output = temp.resolve("run");
        String uri = output.toUri().toString();
        Configuration conf = new Configuration();
        assertTrue(new RunWriter(uri, REST).claim(conf, lookups(Map.of())).isEmpty());
        assertEquals(RunWriter.nextJobId(uri, null).toHexString(), conf.get(PipelineOptionsInternal.PIPELINE_FIXED_JOB_ID));

        // A finished run trained on: its _WRITER is not asked about, the next id is; one the JobManager lists as ended is skipped.
        writeRecord(output, onCluster());
        Files.writeString(output.resolve("_SUCCESS"), "");
        JobID next = RunWriter.nextJobId(uri, JOB);
        JobID after = RunWriter.nextJobId(uri, next.toHexString());
        assertTrue(new RunWriter(uri, REST).claim(conf, lookups(Map.of(JOB, "RUNNING", next.toHexString(), "FAILED"))).isEmpty());
        assertEquals(after.toHexString(), conf.get(PipelineOptionsInternal.PIPELINE_FIXED_JOB_ID));
    }

    @Test
    void aRunningWriterIsFoundRecordedOrUnderTheIdThisRunWouldTake() throws IOException {
        Path output = temp.resolve("run");
        String uri = output.toUri().toString();
        writeRecord(output, onCluster());
        RunWriter.Running recorded = new RunWriter(uri, REST).claim(new Configuration(), job("RUNNING")).orElseThrow();
        assertEquals(JOB, recorded.jobId());
        assertEquals(REST, recorded.rest());

        writeRecord(output, local(42, "here"));
        RunWriter.Running process = new RunWriter(uri, null).claim(new Configuration(), job(null)).orElseThrow();
        assertEquals(42, process.pid());
        assertEquals(null, process.rest());

        // Its client died before recording it: the JobManager runs the id that follows the record.
        writeRecord(output, onCluster());
        String unrecorded = RunWriter.nextJobId(uri, JOB).toHexString();
        RunWriter.Running found = new RunWriter(uri, REST).claim(new Configuration(), lookups(Map.of(JOB, "FAILED", unrecorded, "RUNNING")))
                .orElseThrow();
        assertEquals(unrecorded, found.jobId());
        assertTrue(found.line().contains("not recorded in its _WRITER"), found.line());
    }

    @Test
    void aSubmissionThatLostTheRaceNamesTheWinnersJob() throws IOException {
        String uri = temp.resolve("run").toUri().toString();
        String id = RunWriter.nextJobId(uri, null).toHexString();
        RunWriter loser = new RunWriter(uri, REST);
        assertTrue(loser.claim(new Configuration(), lookups(Map.of())).isEmpty());
        assertEquals(id, loser.winner(lookups(Map.of(id, "RUNNING"))).orElseThrow().jobId());
        assertTrue(loser.winner(lookups(Map.of())).isEmpty(), "the JobManager knows no job under that id: a failure of its own");

        loser.onJobSubmitted(client(id), null);
        assertTrue(loser.winner(lookups(Map.of(id, "RUNNING"))).isEmpty(), "submitted: the job is this run's");
    }

    @Test
    void theClaimedJobIsRecordedBeforeItIsSubmittedAndTheRecordStays() throws IOException {
        Path output = temp.resolve("cluster");
        String uri = output.toUri().toString();
        RunWriter cluster = new RunWriter(uri, REST);
        assertTrue(cluster.claim(new Configuration(), lookups(Map.of())).isEmpty());
        cluster.record();
        JsonNode record = JSON.readTree(output.resolve(RunWriter.FILE).toFile());
        String id = RunWriter.nextJobId(uri, null).toHexString();
        assertEquals(id, record.path("jobId").asText());
        assertEquals(REST, record.path("rest").asText());
        assertFalse(record.has("pid"));
        cluster.onJobSubmitted(client(id), null);
        cluster.onJobExecuted(new JobExecutionResult(JobID.fromHexString(id), 1, Map.of()), null);
        assertTrue(Files.exists(output.resolve(RunWriter.FILE)), "_WRITER names the job that wrote the outputs");

        RunWriter embedded = new RunWriter(uri, null);
        assertTrue(embedded.claim(new Configuration(), lookups(Map.of())).isEmpty(), "the cluster's job is unknown there: taken over");
        embedded.record();
        record = JSON.readTree(output.resolve(RunWriter.FILE).toFile());
        assertEquals(RunWriter.nextJobId(uri, id).toHexString(), record.path("jobId").asText());
        assertEquals(ProcessHandle.current().pid(), record.path("pid").asLong());
        assertEquals(ProcessHandle.current().info().startInstant().orElseThrow().toString(), record.path("pidStarted").asText());
    }

    private static JobClient client(String jobId) {
        return (JobClient) java.lang.reflect.Proxy.newProxyInstance(RunWriterTest.class.getClassLoader(), new Class<?>[] {JobClient.class},
                (proxy, method, args) -> {
                    assertEquals("getJobID", method.getName());
                    return JobID.fromHexString(jobId);
                });
    }

    private static void writeRecord(Path output, JsonNode record) throws IOException {
        Files.createDirectories(output);
        Files.writeString(output.resolve(RunWriter.FILE), JSON.writeValueAsString(record));
    }
}
