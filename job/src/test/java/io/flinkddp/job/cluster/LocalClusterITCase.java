package io.flinkddp.job.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real standalone cluster (bin/local-cluster: a JobManager and three TaskManager processes) and the
 * real CLI (bin/flink) with the packaged job jar, watched through the REST API:
 * <ol>
 *   <li>a reference run finishes, its gauges change while it runs, its slots sit on two TaskManagers;</li>
 *   <li>the scheduler's retry: an attached submission's client is killed (SIGKILL), the same command run at
 *       once waits for the first job and exits 0; one job wrote one complete set of outputs;</li>
 *   <li>two attached commands started at the same instant on one output: one job, both exit 0;</li>
 *   <li>a run cancelled after its first epoch and resubmitted resumes, and ends like the reference;</li>
 *   <li>a run whose TaskManager running a training slot is killed (SIGKILL) in epoch 2 restarts, resumes
 *       from its newest checkpoint, and finishes with epochs 1 to 3 once each and the reference's metrics.</li>
 *   <li>the README's detached block (flink run -d, then bin/await-job on the id it prints) exits 0 once its
 *       run finished, with its {@code _SUCCESS} written; its flink run -d again while the job runs submits
 *       nothing and names the job; attached once the run finished, it exits 0 at once ("already done"), and
 *       the block again submits nothing; bad options exit 2 through attached flink run; an unknown job id
 *       exits 2.</li>
 * </ol>
 * It needs the packaged job jar, so failsafe runs it after {@code package} ({@code mvn verify}). The README's
 * block runs as written but for its {@code --output} and a small model.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalClusterITCase {

    static final Path REPO = Path.of(System.getProperty("maven.multiModuleProjectDirectory", "..")).toAbsolutePath().normalize();
    private static final ObjectMapper JSON = new ObjectMapper();
    /** 800 training images over 2 slots at batch 25: 16 rounds per epoch, 48 steps. */
    private static final int ROUNDS_PER_EPOCH = 16;

    @TempDir
    static Path temp;
    static Path dir;
    static int port;
    static List<String> reference;

    @BeforeAll
    static void startCluster() throws Exception {
        dir = temp.resolve("cluster");
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        run("bin/local-cluster", "start", "--taskmanagers", "3", "--port", String.valueOf(port), "--dir", dir.toString());
    }

    @AfterAll
    static void stopCluster() throws Exception {
        run("bin/local-cluster", "stop", "--dir", dir.toString());
    }

    @Test
    @Order(1)
    void referenceRunFinishesWithLiveMetricsOnTwoTaskManagers() throws Exception {
        Path output = temp.resolve("reference");
        String job = submitDetached(output);
        assertTrainingMetricsChange(job);
        JsonNode done = waitForEnd(job);
        assertEquals("FINISHED", done.get("state").asText());
        assertEquals(2, trainingTaskManagers(job).size(), "train-round ran on two TaskManagers");
        reference = metrics(output);
        assertEquals(3, reference.size());
    }

    @Test
    @Order(2)
    void aSchedulersRetryAfterItsClientWasKilledWaitsForTheFirstJob() throws Exception {
        Path output = temp.resolve("client-killed");
        List<String> command = flinkRun(false, output);
        Process client = start(command);
        String job = waitForNewJob();
        client.destroyForcibly();   // SIGKILL: the scheduler's worker died
        assertTrue(client.waitFor(30, TimeUnit.SECONDS));

        Exit retry = exit(command.toArray(String[]::new));   // the scheduler retries the same command at once
        assertEquals(0, retry.code, retry.output);
        assertTrue(retry.output.contains("is being written by job " + job) && retry.output.contains("waiting for it to end"), retry.output);
        assertTrue(retry.output.contains("already done: outputs in " + output), retry.output);
        System.out.println("the retry: " + retry.output.lines().filter(line -> line.contains("is being written")).findFirst().orElse(""));
        assertEquals("FINISHED", rest("/jobs/" + job).get("state").asText());
        assertOneJobWroteOneSetOfOutputs(output, job);
        assertSameMetrics(metrics(output));
    }

    @Test
    @Order(3)
    void twoCommandsAtTheSameInstantRunOneJob() throws Exception {
        Path output = temp.resolve("raced");
        String[] command = flinkRun(false, output, "--epochs", "1").toArray(String[]::new);
        CompletableFuture<Exit> first = CompletableFuture.supplyAsync(() -> unchecked(() -> exit(command)));
        CompletableFuture<Exit> second = CompletableFuture.supplyAsync(() -> unchecked(() -> exit(command)));
        List<Exit> exits = List.of(first.get(6, TimeUnit.MINUTES), second.get(6, TimeUnit.MINUTES));
        List<String> jobs = jobsWriting(output);
        assertEquals(1, jobs.size(), "one job for " + output + ": " + jobs + "\n" + exits);
        for (Exit exit : exits) {
            assertEquals(0, exit.code, exit.output);
        }
        List<Exit> waited = exits.stream().filter(e -> e.output.contains("is being written by job " + jobs.get(0))).toList();
        assertEquals(1, waited.size(), "one command waited for the other's job: " + exits);
        System.out.println("the command that waited: " + waited.get(0).output.lines()
                .filter(line -> line.contains("is being written")).findFirst().orElse(""));
        assertOneJobWroteOneSetOfOutputs(output, jobs.get(0));
    }

    @Test
    @Order(4)
    void aCancelledRunResubmittedResumes() throws Exception {
        Path output = temp.resolve("cancelled");
        String job = submitDetached(output);
        waitUntil(() -> Files.exists(output.resolve("metrics.jsonl")), "epoch 1 ends");
        run("bin/flink", "cancel", "-m", "127.0.0.1:" + port, job);
        assertEquals("CANCELED", waitForEnd(job).get("state").asText());
        long newestAtCancel = newestCheckpointStep(output);
        assertTrue(newestAtCancel >= ROUNDS_PER_EPOCH, "a checkpoint after epoch 1: step " + newestAtCancel);

        String again = submitDetached(output);
        assertEquals("FINISHED", waitForEnd(again).get("state").asText());
        JsonNode summary = JSON.readTree(output.resolve("summary.json").toFile());
        long resumedFrom = summary.get("resumed_from_steps").get(0).asLong();
        assertTrue(resumedFrom >= newestAtCancel, "resumed from step " + resumedFrom + ", newest at cancel " + newestAtCancel);
        assertSameMetrics(metrics(output));
    }

    @Test
    @Order(5)
    void aKilledTaskManagerCostsOnlyTheWorkSinceTheLastCheckpoint() throws Exception {
        Path output = temp.resolve("taskmanager-killed");
        String job = submitDetached(output, "--checkpoint-every-rounds", "4");
        waitUntil(() -> newestCheckpointStep(output) >= ROUNDS_PER_EPOCH + 4, "a checkpoint in epoch 2");
        String victim = trainingTaskManagers(job).iterator().next();
        long newestAtKill = newestCheckpointStep(output);
        long pid = Long.parseLong(Files.readString(dir.resolve("pids/" + victim + ".pid")).trim());
        new ProcessBuilder("kill", "-9", String.valueOf(pid)).start().waitFor();

        assertEquals("FINISHED", waitForEnd(job).get("state").asText());
        JsonNode summary = JSON.readTree(output.resolve("summary.json").toFile());
        JsonNode resumes = summary.get("resumed_from_steps");
        assertTrue(resumes.size() >= 1 && resumes.get(0).asLong() >= newestAtKill,
                "resumed from " + resumes + ", newest checkpoint at the kill was of step " + newestAtKill);
        // Epochs 1 to 3 once each, with the uninterrupted run's losses, accuracies and rates: the resume is exact.
        assertSameMetrics(metrics(output));
    }

    @Test
    @Order(6)
    void awaitJobExitsAsAnAttachedRunAndARetryOfAFinishedRunDoesNothing() throws Exception {
        Path output = temp.resolve("awaited");
        // The README's detached block as written, but for its --output and a small model: flink run -d, then
        // bin/await-job on the job id it printed.
        String block = readmeBlock("OUT=$(bin/flink run -d").replace("--output /tmp/run2", "--output " + output + " --model cnn-small");
        String submit = block.substring(block.indexOf("$(") + 2, block.indexOf(')'));
        CompletableFuture<Exit> awaited = CompletableFuture.supplyAsync(() -> unchecked(() -> bash(block)));
        waitUntil(() -> !jobsWriting(output).isEmpty(), "the block's job is submitted");
        String job = jobsWriting(output).get(0);

        Exit again = bash(submit);   // its flink run -d again, while the job runs
        assertEquals(0, again.code, again.output);
        assertTrue(again.output.contains("not submitted: --output " + output + " is being written by job " + job)
                && again.output.contains("JobID " + job), again.output);
        Exit blockEnd = awaited.get(6, TimeUnit.MINUTES);
        assertEquals(0, blockEnd.code, blockEnd.output);
        assertTrue(blockEnd.output.contains(job), "bin/await-job waited for " + job + "\n" + blockEnd.output);
        assertEquals("FINISHED", rest("/jobs/" + job).get("state").asText());
        assertEquals(0, Files.size(output.resolve("_SUCCESS")), "outputs written when await-job returned");

        Exit retry = bash(submit.replace("run -d ", "run "));   // attached
        assertEquals(0, retry.code, retry.output);
        assertTrue(retry.output.contains("already done: outputs in " + output), retry.output);
        Exit blockAgain = bash(block);   // flink run -d says "already done" and prints no job id: nothing to wait for
        assertEquals(0, blockAgain.code, blockAgain.output);
        assertEquals(List.of(job), jobsWriting(output), "the retries submitted no job");

        Exit refused = exit(flinkRun(false, temp.resolve("refused"), "--slots", "none").toArray(String[]::new));
        assertEquals(2, refused.code, "bad options: exit code 2 through attached flink run too\n" + refused.output);
        assertTrue(refused.output.contains("error: --slots must be a whole number, got 'none'"), refused.output);

        Exit unknown = exit("bin/await-job", "0123456789abcdef0123456789abcdef", "--rest", "http://127.0.0.1:" + port);
        assertEquals(2, unknown.code, unknown.output);
        assertTrue(unknown.output.contains("knows no job 0123456789abcdef0123456789abcdef"), unknown.output);
    }

    private record Exit(int code, String output) {
    }

    /** Runs one of bin/'s commands to its end and returns its exit code and output. */
    private static Exit exit(String... command) throws Exception {
        List<String> args = new ArrayList<>(List.of("bash", REPO.resolve(command[0]).toString()));
        args.addAll(List.of(command).subList(1, command.length));
        return exit(new ProcessBuilder(args), String.join(" ", command));
    }

    /** Runs a bash script in the repository, as a user would paste it, against this cluster. */
    private static Exit bash(String script) throws Exception {
        return exit(new ProcessBuilder("bash", "-c", script).directory(REPO.toFile()), script);
    }

    private static Exit exit(ProcessBuilder builder, String what) throws Exception {
        builder.redirectErrorStream(true).environment().put("LOCAL_CLUSTER_DIR", dir.toString());
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(5, TimeUnit.MINUTES), what + " did not end");
        return new Exit(process.exitValue(), output);
    }

    /** The README's code block whose first line starts with {@code firstLine}. */
    private static String readmeBlock(String firstLine) throws IOException {
        String readme = Files.readString(REPO.resolve("README.md"));
        int start = readme.indexOf("```bash\n" + firstLine);
        assertTrue(start >= 0, "README.md has a bash block starting with " + firstLine);
        start += "```bash\n".length();
        return readme.substring(start, readme.indexOf("```", start));
    }

    private static Exit unchecked(java.util.concurrent.Callable<Exit> command) {
        try {
            return command.call();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The jobs the cluster lists (running or ended) whose name says they write {@code output}. */
    private static List<String> jobsWriting(Path output) throws Exception {
        List<String> jobs = new ArrayList<>();
        for (JsonNode job : rest("/jobs/overview").get("jobs")) {
            if (job.get("name").asText().endsWith(" into " + output)) {
                jobs.add(job.get("jid").asText());
            }
        }
        return jobs;
    }

    /** Only {@code job} wrote {@code output} (the cluster's jobs, its _WRITER), with the reference's set of files and _SUCCESS. */
    private static void assertOneJobWroteOneSetOfOutputs(Path output, String job) throws Exception {
        assertEquals(List.of(job), jobsWriting(output), "the jobs that wrote " + output);
        assertEquals(job, JSON.readTree(output.resolve("_WRITER").toFile()).get("jobId").asText());
        assertEquals(fileNames(temp.resolve("reference")), fileNames(output));
        assertEquals(0, Files.size(output.resolve("_SUCCESS")));
    }

    private static Set<String> fileNames(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(file -> file.getFileName().toString()).collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new));
        }
    }

    private static String submitDetached(Path output, String... more) throws Exception {
        String submitted = run(flinkRun(true, output, more).toArray(String[]::new));
        Matcher id = Pattern.compile("JobID ([0-9a-f]{32})").matcher(submitted);
        assertTrue(id.find(), submitted);
        return id.group(1);
    }

    private static List<String> flinkRun(boolean detached, Path output, String... more) {
        List<String> args = new ArrayList<>(List.of("bin/flink", "run"));
        if (detached) {
            args.add("-d");
        }
        args.addAll(List.of("-m", "127.0.0.1:" + port, REPO.resolve("job/target/flink-ddp-job.jar").toString(),
                "--data", REPO.resolve("samples/fashion-mnist").toUri().toString(), "--output", output.toString(),
                "--slots", "2", "--crop", "32", "--epochs", "3", "--model", "cnn-small", "--batch-size", "25"));
        args.addAll(List.of(more));
        return args;
    }

    private static List<String> metrics(Path output) throws IOException {
        return Files.readAllLines(output.resolve("metrics.jsonl"));
    }

    /** Epochs 1 to 3 with the reference's losses, accuracies and rates (timings differ from run to run). */
    private static void assertSameMetrics(List<String> actual) throws IOException {
        assertEquals(reference.size(), actual.size(), "epochs in " + actual);
        for (int i = 0; i < reference.size(); i++) {
            JsonNode want = JSON.readTree(reference.get(i));
            JsonNode got = JSON.readTree(actual.get(i));
            for (String key : List.of("epoch", "train_loss", "train_top1", "val_loss", "val_top1", "val_top5", "lr")) {
                double expected = want.get(key).asDouble();
                assertEquals(expected, got.get(key).asDouble(), 1e-6 * Math.max(1, Math.abs(expected)), key + " of epoch " + (i + 1));
            }
        }
    }

    private static long newestCheckpointStep(Path output) throws IOException {
        Path checkpoints = output.resolve("checkpoints");
        if (!Files.isDirectory(checkpoints)) {
            return -1;
        }
        try (Stream<Path> folders = Files.list(checkpoints)) {
            return folders.filter(folder -> Files.exists(folder.resolve("manifest.json")))
                    .mapToLong(folder -> Long.parseLong(folder.getFileName().toString().replaceAll("step-0*(\\d+)-.*", "$1")))
                    .max().orElse(-1);
        }
    }

    /** Reads train-round's gauges through the REST API while the job runs: the round and epoch move on. */
    private static void assertTrainingMetricsChange(String jobId) throws Exception {
        String vertex = null;
        String prefix = null;
        Set<String> rounds = new HashSet<>();
        Set<String> epochs = new HashSet<>();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < deadline && rounds.size() < 3) {
            JsonNode job = rest("/jobs/" + jobId);
            if (vertex == null) {
                vertex = trainRoundVertex(job);
                List<String> names = new ArrayList<>();
                job.get("vertices").forEach(v -> names.add(v.get("name").asText()));
                for (String operator : List.of("list-images", "split", "decode-images", "train-round", "sum-gradients")) {
                    assertTrue(names.stream().anyMatch(name -> name.contains(operator)), operator + " in " + names);
                }
            }
            if (prefix == null) {
                for (JsonNode metric : rest("/jobs/" + jobId + "/vertices/" + vertex + "/metrics")) {
                    String name = metric.get("id").asText();
                    if (name.startsWith("0.") && name.endsWith(".training.round")) {
                        prefix = name.substring(0, name.length() - "round".length());
                    }
                }
            } else {
                JsonNode values = rest("/jobs/" + jobId + "/vertices/" + vertex + "/metrics?get=" + prefix + "round,"
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

    private static String trainRoundVertex(JsonNode job) {
        for (JsonNode v : job.get("vertices")) {
            if (v.get("name").asText().contains("train-round")) {
                return v.get("id").asText();
            }
        }
        throw new AssertionError("no train-round vertex in " + job);
    }

    /** The id of a job that appears, not yet ended, after this call. */
    private static String waitForNewJob() throws Exception {
        Set<String> known = new HashSet<>();
        for (JsonNode job : rest("/jobs/overview").get("jobs")) {
            known.add(job.get("jid").asText());
        }
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (System.nanoTime() < deadline) {
            for (JsonNode job : rest("/jobs/overview").get("jobs")) {
                if (!known.contains(job.get("jid").asText())) {
                    return job.get("jid").asText();
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no job was submitted within 2 minutes");
    }

    private static JsonNode waitForEnd(String jobId) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(6);
        while (System.nanoTime() < deadline) {
            JsonNode job = rest("/jobs/" + jobId);
            String state = job.get("state").asText();
            if (Set.of("FINISHED", "FAILED", "CANCELED").contains(state)) {
                return job;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("job " + jobId + " did not end within 6 minutes");
    }

    private interface Check {
        boolean holds() throws Exception;
    }

    private static void waitUntil(Check check, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (!check.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited 5 minutes in vain for: " + what);
            }
            Thread.sleep(200);
        }
    }

    /** Resource ids (taskmanager-N, as bin/local-cluster names them) of the TaskManagers running train-round. */
    private static Set<String> trainingTaskManagers(String jobId) throws Exception {
        Set<String> taskManagers = new HashSet<>();
        JsonNode details = rest("/jobs/" + jobId + "/vertices/" + trainRoundVertex(rest("/jobs/" + jobId)));
        for (JsonNode subtask : details.get("subtasks")) {
            taskManagers.add(subtask.get("taskmanager-id").asText());
        }
        return taskManagers;
    }

    private static JsonNode rest(String path) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }

    private static Process start(List<String> command) throws IOException {
        List<String> args = new ArrayList<>(List.of("bash", REPO.resolve(command.get(0)).toString()));
        args.addAll(command.subList(1, command.size()));
        ProcessBuilder builder = new ProcessBuilder(args).redirectErrorStream(true)
                .redirectOutput(temp.resolve("client-" + System.nanoTime() + ".log").toFile());
        builder.environment().put("LOCAL_CLUSTER_DIR", dir.toString());
        return builder.start();
    }

    private static String run(String... command) throws Exception {
        Exit exit = exit(command);
        assertEquals(0, exit.code(), String.join(" ", command) + ":\n" + exit.output());
        return exit.output();
    }
}
