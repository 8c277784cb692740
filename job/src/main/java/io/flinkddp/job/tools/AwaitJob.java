package io.flinkddp.job.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkddp.config.InvalidSettingsException;
import io.flinkddp.data.InvalidDataException;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.RestOptions;

/**
 * bin/await-job: waits for a job submitted with {@code flink run -d} to end and exits as an attached
 * run would. In: the job id, and the JobManager's REST address ({@code --rest http://host:port}, else
 * {@code rest.address} and {@code rest.port} of {@code $FLINK_CONF_DIR/config.yaml}, else
 * {@code jobmanager.rpc.address}, port 8081). It polls {@code GET /jobs/<id>/execution-result} every
 * {@code --poll-seconds} (5). Out: one line, and the exit code: 0 the job finished (its outputs are
 * written), 1 it failed or was cancelled, 2 it stopped on bad options or data, or this command's own
 * arguments or job id are wrong. A JobManager that does not answer is asked again for
 * {@code --unreachable-seconds} (120), then the exit code is 1. Keeps nothing. {@link #jobState} and
 * {@link #restAddress} serve {@code RunWriter} (is the job that writes an {@code --output} still running?).
 */
public final class AwaitJob {

    static final String USAGE = "usage: bin/await-job JOB_ID [--rest http://host:port] [--poll-seconds 5] [--unreachable-seconds 120]";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> REFUSALS = List.of(InvalidDataException.class.getName(), InvalidSettingsException.class.getName());

    private AwaitJob() {
    }

    public static void main(String[] args) throws InterruptedException {
        System.exit(run(args, System.getenv("FLINK_CONF_DIR"), System.out, System.err));
    }

    static int run(String[] args, String confDir, PrintStream out, PrintStream err) throws InterruptedException {
        String jobId = null;
        String rest = null;
        double pollSeconds = 5;
        double unreachableSeconds = 120;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--rest" -> rest = args[++i];
                    case "--poll-seconds" -> pollSeconds = Double.parseDouble(args[++i]);
                    case "--unreachable-seconds" -> unreachableSeconds = Double.parseDouble(args[++i]);
                    case "--help", "-h" -> {
                        out.println(USAGE);
                        return 0;
                    }
                    default -> {
                        if (args[i].startsWith("--") || jobId != null) {
                            throw new IllegalArgumentException("unknown argument " + args[i]);
                        }
                        jobId = JobID.fromHexString(args[i]).toHexString();
                    }
                }
            }
            if (jobId == null) {
                throw new IllegalArgumentException("no JOB_ID given");
            }
        } catch (RuntimeException e) {  // a bad number, a missing value, a job id that is not 32 hex digits
            err.println("error: " + e.getMessage() + "\n" + USAGE);
            return 2;
        }
        String base = rest != null ? rest : restAddress(confDir == null ? new Configuration() : GlobalConfiguration.loadConfiguration(confDir));
        return await(base, jobId, pollSeconds, unreachableSeconds, out, err);
    }

    /**
     * Polls the JobManager at {@code base} until job {@code jobId} ends; prints one line (to {@code out} for
     * 0, else to {@code err}) and returns the exit code an attached run would have: 0, 1 or 2 (unknown job).
     */
    public static int await(String base, String jobId, double pollSeconds, double unreachableSeconds, PrintStream out, PrintStream err)
            throws InterruptedException {
        URI uri = URI.create(base.replaceAll("/+$", "") + "/jobs/" + jobId + "/execution-result");
        HttpClient http = client();
        long unreachableSince = -1;
        while (true) {
            HttpResponse<String> answer;
            try {
                answer = get(http, uri);
                unreachableSince = -1;
            } catch (IOException e) {
                long now = System.nanoTime();
                unreachableSince = unreachableSince < 0 ? now : unreachableSince;
                if ((now - unreachableSince) / 1e9 >= unreachableSeconds) {
                    err.println("error: the JobManager at " + base + " did not answer for " + unreachableSeconds + " s (" + e + ")");
                    return 1;
                }
                Thread.sleep((long) (pollSeconds * 1000));
                continue;
            }
            if (answer.statusCode() == 404) {
                err.println("error: the JobManager at " + base + " knows no job " + jobId + " (or no longer: it forgets finished jobs after jobstore.expiration-time)");
                return 2;
            }
            if (answer.statusCode() != 200) {
                err.println("error: " + uri + " answered " + answer.statusCode() + ": " + answer.body());
                return 1;
            }
            JsonNode result = readJson(answer.body());
            OptionalInt code = exitCode(result);
            if (code.isPresent()) {
                (code.getAsInt() == 0 ? out : err).println(line(jobId, result));
                return code.getAsInt();
            }
            Thread.sleep((long) (pollSeconds * 1000));
        }
    }

    /**
     * The state of job {@code jobId} at the JobManager at {@code base}: RUNNING, FINISHED, ...; empty when it
     * knows no such job. Throws IOException when it does not answer. Read from {@code GET /jobs/overview},
     * which asks the Dispatcher each time; {@code GET /jobs/<id>} answers from a cache for up to
     * {@code web.refresh-interval} (3 s), so a job that has just ended still shows RUNNING there.
     */
    public static java.util.Optional<String> jobState(String base, String jobId) throws IOException, InterruptedException {
        HttpResponse<String> answer = get(client(), URI.create(base.replaceAll("/+$", "") + "/jobs/overview"));
        if (answer.statusCode() != 200) {
            throw new IOException("GET " + base + "/jobs/overview answered " + answer.statusCode() + ": " + answer.body());
        }
        try {
            for (JsonNode job : readJson(answer.body()).path("jobs")) {
                if (job.path("jid").asText().equals(jobId)) {
                    return java.util.Optional.of(job.path("state").asText("(no state)"));
                }
            }
            return java.util.Optional.empty();
        } catch (IllegalStateException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static HttpClient client() {
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    private static HttpResponse<String> get(HttpClient http, URI uri) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The REST endpoint a client of {@code conf} talks to: rest.address (else jobmanager.rpc.address, else localhost) and rest.port. */
    public static String restAddress(Configuration conf) {
        String host = conf.getOptional(RestOptions.ADDRESS).orElse(conf.getOptional(JobManagerOptions.ADDRESS).orElse("localhost"));
        return "http://" + host + ":" + conf.get(RestOptions.PORT);
    }

    /**
     * The exit code an execution-result answer stands for, empty while the job runs: 0 SUCCEEDED, 2
     * FAILED on bad options or data (the failure names one of our refusals), 1 any other end.
     */
    static OptionalInt exitCode(JsonNode answer) {
        if (!"COMPLETED".equals(answer.path("status").path("id").asText())) {
            return OptionalInt.empty();
        }
        JsonNode result = answer.path("job-execution-result");
        String status = result.path("application-status").asText();
        if (status.equals("SUCCEEDED")) {
            return OptionalInt.of(0);
        }
        return OptionalInt.of(status.equals("FAILED") && refusal(result).isPresent() ? 2 : 1);
    }

    /** The line of the failure's stack trace that holds one of our refusals ("io.flinkddp.data.InvalidDataException: ..."), if any. */
    private static java.util.Optional<String> refusal(JsonNode result) {
        return result.path("failure-cause").path("stack-trace").asText().lines()
                .map(line -> line.replaceFirst("^\\s*Caused by: ", "").trim())
                .filter(line -> REFUSALS.stream().anyMatch(type -> line.startsWith(type + ":")))
                .findFirst();
    }

    private static String line(String jobId, JsonNode answer) {
        JsonNode result = answer.path("job-execution-result");
        String status = result.path("application-status").asText();
        if (status.equals("SUCCEEDED")) {
            return "done: job " + jobId + " finished";
        }
        String cause = refusal(result).map(l -> l.substring(l.indexOf(": ") + 2))
                .orElse(result.path("failure-cause").path("stack-trace").asText("").lines().findFirst().orElse(""));
        return "error: job " + jobId + " " + status + (cause.isEmpty() ? "" : ": " + cause);
    }

    private static JsonNode readJson(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new IllegalStateException("the JobManager answered no JSON: " + body, e);
        }
    }
}
