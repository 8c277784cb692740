package io.flinkddp.job.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** AwaitJob's exit codes for each way a job ends, and its polling of a (fake) JobManager's REST API. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AwaitJobTest {

    static final String JOB = "0123456789abcdef0123456789abcdef";
    static final String OTHER = "fedcba9876543210fedcba9876543210";
    static final String RUNNING = "{\"status\":{\"id\":\"IN_PROGRESS\"}}";

    static String completed(String status, String stackTrace) {
        return "{\"status\":{\"id\":\"COMPLETED\"},\"job-execution-result\":{\"id\":\"" + JOB + "\",\"application-status\":\"" + status
                + "\",\"accumulator-results\":{},\"net-runtime\":1234"
                + (stackTrace == null ? "" : ",\"failure-cause\":{\"class\":\"org.apache.flink.runtime.JobException\",\"stack-trace\":"
                + quoted(stackTrace) + "}") + "}}";
    }

    static String quoted(String text) {
        try {
            return new ObjectMapper().writeValueAsString(text);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static OptionalInt code(String json) throws Exception {
        return AwaitJob.exitCode(new ObjectMapper().readTree(json));
    }

    @Test
    void mapsEachEndToAnAttachedRunsExitCode() throws Exception {
        assertTrue(code(RUNNING).isEmpty(), "still running");
        assertEquals(OptionalInt.of(0), code(completed("SUCCEEDED", null)));
        assertEquals(OptionalInt.of(1), code(completed("FAILED", "org.apache.flink.runtime.JobException: Recovery is suppressed\n"
                + "Caused by: java.io.IOException: disk full")));
        assertEquals(OptionalInt.of(1), code(completed("CANCELED", null)));
        assertEquals(OptionalInt.of(1), code(completed("UNKNOWN", null)));
        assertEquals(OptionalInt.of(2), code(completed("FAILED", "org.apache.flink.runtime.JobException: Recovery is suppressed\n"
                + "\tat x.y(Z.java:1)\nCaused by: io.flinkddp.data.InvalidDataException: no images below file:/data")));
        assertEquals(OptionalInt.of(2), code(completed("FAILED",
                "Caused by: io.flinkddp.config.InvalidSettingsException: --batch-size 400 does not fit")));
    }

    @Test
    void pollsUntilTheJobEnds() throws Exception {
        List<String> answers = List.of(RUNNING, RUNNING, completed("SUCCEEDED", null));
        List<String> paths = new CopyOnWriteArrayList<>();
        Result result = await(answers, paths, JOB);
        assertEquals(0, result.code, result.err);
        assertEquals(3, paths.size(), "asked until the job completed: " + paths);
        assertEquals("/jobs/" + JOB + "/execution-result", paths.get(0));
        assertEquals("done: job " + JOB + " finished", result.out.strip());
    }

    @Test
    void aRefusalNamesItsCulprit() throws Exception {
        Result result = await(List.of(completed("FAILED", "Caused by: io.flinkddp.data.InvalidDataException: no images below file:/data")),
                new CopyOnWriteArrayList<>(), JOB);
        assertEquals(2, result.code);
        assertEquals("error: job " + JOB + " FAILED: no images below file:/data", result.err.strip());
    }

    @Test
    void anUnknownJobOrABadIdIsRefused() throws Exception {
        Result unknown = await(List.of(), new CopyOnWriteArrayList<>(), JOB);
        assertEquals(2, unknown.code);
        assertTrue(unknown.err.contains("knows no job " + JOB), unknown.err);
        Result bad = await(List.of(), new CopyOnWriteArrayList<>(), "not-a-job-id");
        assertEquals(2, bad.code);
        assertTrue(bad.err.contains("usage: bin/await-job"), bad.err);
    }

    @Test
    void anUnreachableJobManagerEndsWithOne() throws Exception {
        Result result = run("--rest", "http://127.0.0.1:1", "--poll-seconds", "0.05", "--unreachable-seconds", "0.2", JOB);
        assertEquals(1, result.code);
        assertTrue(result.err.contains("http://127.0.0.1:1 did not answer"), result.err);
    }

    @Test
    void theAddressComesFromTheFlinkConfiguration() {
        Configuration conf = new Configuration();
        assertEquals("http://localhost:8081", AwaitJob.restAddress(conf));
        conf.setString("jobmanager.rpc.address", "jm");
        assertEquals("http://jm:8081", AwaitJob.restAddress(conf));
        conf.setString("rest.address", "rest-host");
        conf.setString("rest.port", "18081");
        assertEquals("http://rest-host:18081", AwaitJob.restAddress(conf));
    }

    @Test
    void jobStateAsksForTheJobAndTellsUnknownFromUnreachable() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        List<String> paths = new java.util.concurrent.CopyOnWriteArrayList<>();
        server.createContext("/", exchange -> {
            paths.add(exchange.getRequestURI().getPath());
            boolean overview = exchange.getRequestURI().getPath().equals("/jobs/overview");
            byte[] body = (overview ? "{\"jobs\":[{\"jid\":\"" + OTHER + "\",\"state\":\"FINISHED\"},{\"jid\":\"" + JOB
                    + "\",\"state\":\"RESTARTING\"}]}" : "{\"errors\":[\"Not found: " + exchange.getRequestURI() + "\"]}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(overview ? 200 : 404, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/";
            assertEquals(java.util.Optional.of("RESTARTING"), AwaitJob.jobState(base, JOB));
            assertEquals(java.util.Optional.of("FINISHED"), AwaitJob.jobState(base, OTHER));
            assertEquals(java.util.Optional.empty(), AwaitJob.jobState(base, "ffffffffffffffffffffffffffffffff"));
            assertEquals(List.of("/jobs/overview", "/jobs/overview", "/jobs/overview"), paths);
        } finally {
            server.stop(0);
        }
        org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> AwaitJob.jobState("http://127.0.0.1:1", JOB));
    }

    record Result(int code, String out, String err) {
    }

    /** AwaitJob against a server that gives {@code answers} in turn (then 404s), recording the paths asked for. */
    static Result await(List<String> answers, List<String> paths, String jobId) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        AtomicInteger next = new AtomicInteger();
        server.createContext("/", exchange -> {
            paths.add(exchange.getRequestURI().getPath());
            int i = next.getAndIncrement();
            byte[] body = (i < answers.size() ? answers.get(i) : "{\"errors\":[\"Job not found\"]}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(i < answers.size() ? 200 : 404, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            return run("--rest", "http://127.0.0.1:" + server.getAddress().getPort() + "/", "--poll-seconds", "0.05", jobId);
        } finally {
            server.stop(0);
        }
    }

    static Result run(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = AwaitJob.run(args, null, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
