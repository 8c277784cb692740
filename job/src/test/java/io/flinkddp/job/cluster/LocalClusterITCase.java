package io.flinkddp.job.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real standalone cluster (bin/local-cluster: a JobManager and two TaskManager processes) and the
 * real CLI (bin/flink run, detached) with the packaged job jar. Two submissions to the same cluster
 * both reach FINISHED, as seen through the REST API, with the training slots on both TaskManagers.
 */
class LocalClusterITCase {

    static final Path REPO = Path.of(System.getProperty("maven.multiModuleProjectDirectory", "..")).toAbsolutePath().normalize();

    @TempDir
    Path temp;

    @Test
    void twoSubmissionsToOneClusterBothFinish() throws Exception {
        Path dir = temp.resolve("cluster");
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        run(dir, "bin/local-cluster", "start", "--taskmanagers", "2", "--port", String.valueOf(port), "--dir", dir.toString());
        try {
            for (int i = 1; i <= 2; i++) {
                Path output = temp.resolve("run-" + i);
                String submitted = run(dir, "bin/flink", "run", "-d", "-m", "127.0.0.1:" + port,
                        REPO.resolve("job/target/flink-ddp-job.jar").toString(),
                        "--data", REPO.resolve("samples/fashion-mnist").toUri().toString(), "--output", output.toString(),
                        "--slots", "2", "--crop", "32", "--epochs", "3", "--model", "cnn-small", "--batch-size", "25");
                Matcher id = Pattern.compile("JobID ([0-9a-f]{32})").matcher(submitted);
                assertTrue(id.find(), submitted);
                if (i == 1) {
                    assertTrainingMetricsChange(port, id.group(1));
                }
                JsonNode job = waitForEnd(port, id.group(1));
                assertEquals("FINISHED", job.get("state").asText(), "submission " + i);
                assertTrue(Files.exists(output.resolve("summary.json")), "submission " + i + " wrote its outputs");
                assertEquals(2, trainingTaskManagers(port, job).size(), "train-round ran on both TaskManagers");
            }
        } finally {
            run(dir, "bin/local-cluster", "stop", "--dir", dir.toString());
        }
    }

    /** Reads train-round's gauges through the REST API while the job runs: the round and epoch move on. */
    private static void assertTrainingMetricsChange(int port, String jobId) throws Exception {
        String vertex = null;
        String prefix = null;
        Set<String> rounds = new HashSet<>();
        Set<String> epochs = new HashSet<>();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < deadline && rounds.size() < 3) {
            JsonNode job = rest(port, "/jobs/" + jobId);
            if (vertex == null) {
                for (JsonNode v : job.get("vertices")) {
                    if (v.get("name").asText().contains("train-round")) {
                        vertex = v.get("id").asText();
                    }
                }
                List<String> names = new ArrayList<>();
                job.get("vertices").forEach(v -> names.add(v.get("name").asText()));
                for (String operator : List.of("list-images", "split", "decode-images", "train-round", "sum-gradients")) {
                    assertTrue(names.stream().anyMatch(name -> name.contains(operator)), operator + " in " + names);
                }
            }
            if (prefix == null) {
                for (JsonNode metric : rest(port, "/jobs/" + jobId + "/vertices/" + vertex + "/metrics")) {
                    String name = metric.get("id").asText();
                    if (name.startsWith("0.") && name.endsWith(".training.round")) {
                        prefix = name.substring(0, name.length() - "round".length());
                    }
                }
            } else {
                JsonNode values = rest(port, "/jobs/" + jobId + "/vertices/" + vertex + "/metrics?get=" + prefix + "round,"
                        + prefix + "epoch," + prefix + "learningRate," + prefix + "valTop1," + prefix + "imagesPerSecond");
                for (JsonNode value : values) {
                    if (value.get("id").asText().endsWith(".round")) {
                        rounds.add(value.get("value").asText());
                    } else if (value.get("id").asText().endsWith(".epoch")) {
                        epochs.add(value.get("value").asText());
                    }
                }
            }
            Thread.sleep(150);
        }
        assertTrue(rounds.size() >= 3, "training.round changed while the job ran: " + rounds);
        assertTrue(!epochs.isEmpty(), "training.epoch is reported");
    }

    private static JsonNode waitForEnd(int port, String jobId) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (System.nanoTime() < deadline) {
            JsonNode job = rest(port, "/jobs/" + jobId);
            String state = job.get("state").asText();
            if (Set.of("FINISHED", "FAILED", "CANCELED").contains(state)) {
                return job;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("job " + jobId + " did not end within 5 minutes");
    }

    private static Set<String> trainingTaskManagers(int port, JsonNode job) throws Exception {
        Set<String> taskManagers = new HashSet<>();
        for (JsonNode vertex : job.get("vertices")) {
            if (vertex.get("name").asText().contains("train-round")) {
                JsonNode details = rest(port, "/jobs/" + job.get("jid").asText() + "/vertices/" + vertex.get("id").asText());
                for (JsonNode subtask : details.get("subtasks")) {
                    taskManagers.add(subtask.get("taskmanager-id").asText());
                }
            }
        }
        return taskManagers;
    }

    private static JsonNode rest(int port, String path) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofString());
        return new ObjectMapper().readTree(response.body());
    }

    private static String run(Path clusterDir, String... command) throws Exception {
        List<String> args = new ArrayList<>(List.of("bash", REPO.resolve(command[0]).toString()));
        args.addAll(List.of(command).subList(1, command.length));
        ProcessBuilder builder = new ProcessBuilder(args).redirectErrorStream(true);
        builder.environment().put("LOCAL_CLUSTER_DIR", clusterDir.toString());
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(5, TimeUnit.MINUTES), String.join(" ", command) + " did not end");
        assertEquals(0, process.exitValue(), String.join(" ", command) + ":\n" + output);
        return output;
    }
}
