package io.flinkddp.job.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkddp.job.JobRunner;
import io.flinkddp.job.TrainLocal;
import io.flinkddp.job.tools.UploadFolder;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.flink.api.java.ExecutionEnvironment;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.plugin.PluginUtils;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The S3 secret key never shows: not in the logs (everything at INFO and above), not in the job's
 * outputs, and not in the configuration the web UI and REST API show while the job runs.
 */
class SecretsITCase {

    @TempDir
    Path temp;

    @Test
    void theSecretKeyNeverAppears() throws Exception {
        try (LocalS3 s3 = LocalS3.start(temp.resolve("server"))) {
            s3.makeBucket("data");
            Path conf = s3.flinkConf(temp.resolve("conf"), Map.of());
            int restPort = LocalS3.freePort();
            Configuration flink = GlobalConfiguration.loadConfiguration(conf.toString());
            FileSystem.initialize(flink, PluginUtils.createPluginManagerFromRootFolder(flink));
            UploadFolder.upload(LocalS3.REPO.resolve("samples/fashion-mnist"), "s3://data/sample");

            List<String> seen = new ArrayList<>();
            ConcurrentLinkedQueue<String> logged = new ConcurrentLinkedQueue<>();
            Runnable stopCapture = captureLogs(logged);
            CompletableFuture<JobRunner> job;
            try {
                job = CompletableFuture.supplyAsync(() -> JobRunner.run(conf.toString(), settings -> {
                    Configuration withUi = TrainLocal.configuration(conf.toString(), settings);
                    TrainLocal.initializeFileSystems(withUi);
                    withUi.set(RestOptions.PORT, restPort);
                    return ExecutionEnvironment.createLocalEnvironmentWithWebUI(withUi);
                }, "--data", "s3://data/sample", "--output", "s3://data/run", "--slots", "2", "--crop", "32",
                        "--model", "cnn-small", "--epochs", "3", "--batch-size", "25"));
                seen.addAll(restWhileRunning(restPort, job));
                JobRunner run = job.get();
                assertEquals(0, run.exitCode(), run.err());
                seen.add(run.out());
                seen.add(run.err());
            } finally {
                stopCapture.run();
            }
            seen.addAll(logged);
            seen.add(read("s3://data/run/summary.json"));
            seen.add(read("s3://data/run/metrics.jsonl"));

            String all = String.join("\n", seen);
            assertTrue(all.contains(s3.accessKey), "the check reads the configuration the REST API shows (it has the access key)");
            assertTrue(logged.size() > 10, "the check saw the job's log: " + logged.size() + " lines");
            assertFalse(all.contains(s3.secretKey), "the secret key appears in logs, outputs or the REST API");
            assertTrue(flink.toMap().containsValue(s3.secretKey), "and the secret was configured");
        }
    }

    /** Polls the REST API until the job is listed, then returns the configuration views of it and of the cluster. */
    private static List<String> restWhileRunning(int port, CompletableFuture<JobRunner> job) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + port;
        List<String> bodies = new ArrayList<>();
        while (!job.isDone()) {
            try {
                JsonNode jobs = new ObjectMapper().readTree(get(http, base + "/jobs/overview")).get("jobs");
                if (jobs != null && jobs.size() > 0) {
                    String id = jobs.get(0).get("jid").asText();
                    for (String path : List.of("/jobmanager/config", "/jobmanager/environment", "/jobs/" + id,
                            "/jobs/" + id + "/config", "/jobs/" + id + "/plan", "/taskmanagers")) {
                        bodies.add(get(http, base + path));
                    }
                    return bodies;
                }
            } catch (java.io.IOException notUpYet) {
                // the web UI starts with the job's cluster
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the job ended before its REST API could be read");
    }

    private static String get(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static String read(String uri) throws Exception {
        org.apache.flink.core.fs.Path path = new org.apache.flink.core.fs.Path(uri);
        try (InputStream in = path.getFileSystem().open(path)) {
            return new String(in.readAllBytes());
        }
    }

    /** Adds an appender taking every event at INFO and above; the returned action removes it. */
    private static Runnable captureLogs(ConcurrentLinkedQueue<String> lines) {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        LoggerConfig root = context.getConfiguration().getRootLogger();
        Level previous = root.getLevel();
        AbstractAppender appender = new AbstractAppender("secrets-check", null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                lines.add(event.getLoggerName() + " " + event.getMessage().getFormattedMessage()
                        + (event.getThrown() == null ? "" : " " + event.getThrown()));
            }
        };
        appender.start();
        root.addAppender(appender, Level.INFO, null);
        root.setLevel(Level.INFO);
        context.updateLoggers();
        return () -> {
            root.removeAppender("secrets-check");
            root.setLevel(previous);
            context.updateLoggers();
        };
    }
}
