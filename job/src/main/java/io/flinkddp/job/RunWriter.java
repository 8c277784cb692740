package io.flinkddp.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkddp.config.RunFiles;
import io.flinkddp.job.tools.AwaitJob;
import io.flinkddp.output.RunOutputs;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.java.ExecutionEnvironment;
import org.apache.flink.api.java.LocalEnvironment;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptionsInternal;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.JobListener;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One writer per {@code --output}. In: the output directory and the environment the job runs on. Kept:
 * {@code <output>/_WRITER}, JSON naming the job that writes (or last wrote) it: {@code jobId},
 * {@code started}, and where to look it up: {@code rest} (the JobManager's REST address) on a cluster, or
 * {@code pid}, {@code pidStarted} and {@code host} of the client for an embedded local environment; written
 * by {@link #record} right before the job is submitted. Before a run, {@link #claim} finds a
 * writer that still runs (an unfinished run's {@code _WRITER} whose job runs or whose process lives), or
 * else fixes the job id this run submits under: derived from the output and the job recorded before it,
 * so that two retries at the same instant ask one JobManager for the same id and it accepts only one
 * ({@link #winner} names the other's job to the loser; as a {@link JobListener} this writer learns whether
 * its own submission went through). A writer that is gone (job ended or unknown,
 * JobManager unreachable, process dead) is logged and taken over.
 */
final class RunWriter implements JobListener {

    static final String FILE = "_WRITER";
    private static final Logger LOG = LoggerFactory.getLogger(RunWriter.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_ENDED = 100;  // ids of ended jobs skipped at most, looking for a free one

    /** Whether the writer named in a {@code _WRITER} still runs, and the line saying so. */
    record Verdict(boolean running, String line) {
    }

    /** A writer that still runs: its job, where to ask about it ({@code rest}, else {@code pid}), and the line naming it. */
    record Running(String jobId, String rest, long pid, String pidStarted, String line) {
    }

    private final String output;
    private final String rest;  // null: an embedded local environment, looked up by pid
    private JobID claimed;
    private boolean submitted;

    RunWriter(String output, String rest) {
        this.output = output;
        this.rest = rest;
    }

    /** The writer of {@code output} for jobs run by {@code env}. */
    static RunWriter of(ExecutionEnvironment env, String output) {
        return new RunWriter(output, env instanceof LocalEnvironment ? null : AwaitJob.restAddress(env.getConfiguration()));
    }

    /**
     * The writer that still runs on {@code output}, if any: the one its {@code _WRITER} names (unless the
     * run finished), or a job under the id this run would take (its client died before recording it).
     * Otherwise sets this run's job id in {@code conf} ({@code $internal.pipeline.job-id}) and returns empty.
     */
    Optional<Running> claim(Configuration conf, WriterLookups lookups) {
        Path file = new Path(output, FILE);
        JsonNode recorded = null;
        try {
            FileSystem fs = file.getFileSystem();
            if (fs.exists(file)) {
                try (InputStream in = fs.open(file)) {
                    recorded = JSON.readTree(in);
                }
                if (!fs.exists(new Path(output, RunFiles.SUCCESS))) {
                    Verdict verdict = decide(output, recorded, lookups);
                    if (verdict.running()) {
                        return Optional.of(running(recorded.path("jobId").asText(), recorded, verdict.line()));
                    }
                    LOG.info(verdict.line());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        JobID id = nextJobId(output, recorded == null ? null : recorded.path("jobId").asText(null));
        for (int ended = 0; rest != null && ended < MAX_ENDED; ended++) {
            Optional<String> state = stateAtOurJobManager(id, lookups);
            if (state.isEmpty()) {
                break;
            }
            if (!terminal(state.get())) {
                return Optional.of(running(id.toHexString(), null, "--output " + output + " is being written by job " + id
                        + " (" + state.get() + " on " + rest + ", not recorded in its " + FILE + ")"));
            }
            id = nextJobId(output, id.toHexString());
        }
        claimed = id;
        conf.set(PipelineOptionsInternal.PIPELINE_FIXED_JOB_ID, id.toHexString());
        return Optional.empty();
    }

    /** After this run's submission failed: the job that took its id first (another command submitted it), if the JobManager knows it. */
    Optional<Running> winner(WriterLookups lookups) {
        if (submitted || claimed == null || rest == null) {
            return Optional.empty();
        }
        return stateAtOurJobManager(claimed, lookups).map(state -> running(claimed.toHexString(), null, "--output " + output
                + " is being written by job " + claimed + " (" + state + " on " + rest + "), submitted by another command at the same time"));
    }

    private Optional<String> stateAtOurJobManager(JobID id, WriterLookups lookups) {
        try {
            return state(lookups, rest, id.toHexString());
        } catch (IOException e) {  // the submission will tell what is wrong with the JobManager
            return Optional.empty();
        }
    }

    private static Optional<String> state(WriterLookups lookups, String rest, String jobId) throws IOException {
        try {
            return lookups.jobState(rest, jobId);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking " + rest + " about job " + jobId, e);
        }
    }

    private Running running(String jobId, JsonNode recorded, String line) {
        if (recorded == null || recorded.hasNonNull("rest")) {
            return new Running(jobId, recorded == null ? rest : recorded.get("rest").asText(), -1, null, line);
        }
        return new Running(jobId, null, recorded.path("pid").asLong(-1), recorded.path("pidStarted").asText(null), line);
    }

    /**
     * The id of the job that follows {@code previous} (null: none) on {@code output}: the first 16 bytes of
     * SHA-256 over both, so every command that reads the same {@code _WRITER} picks the same id.
     */
    static JobID nextJobId(String output, String previous) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest((output + "\n" + previous).getBytes(StandardCharsets.UTF_8));
            ByteBuffer bytes = ByteBuffer.wrap(digest);
            return new JobID(bytes.getLong(), bytes.getLong());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    /** Whether the writer {@code recorded} in {@code output}'s {@code _WRITER} still runs, as {@code lookups} tell. */
    static Verdict decide(String output, JsonNode recorded, WriterLookups lookups) {
        String jobId = recorded.path("jobId").asText("(no job id)");
        String gone = FILE + " of " + output + " names job " + jobId + ", ";
        String goOn = "; this run takes over " + output + " (resuming from its checkpoints, if any)";
        if (recorded.hasNonNull("rest")) {
            String rest = recorded.get("rest").asText();
            Optional<String> state;
            try {
                state = state(lookups, rest, jobId);
            } catch (IOException e) {
                return new Verdict(false, gone + "but the JobManager at " + rest + " does not answer (" + e.getMessage() + ")" + goOn);
            }
            if (state.isEmpty()) {
                return new Verdict(false, gone + "which the JobManager at " + rest + " does not know" + goOn);
            }
            if (terminal(state.get())) {
                return new Verdict(false, gone + "which is " + state.get() + " at " + rest + goOn);
            }
            return new Verdict(true, "--output " + output + " is being written by job " + jobId + " (" + state.get() + " on " + rest + ")");
        }
        long pid = recorded.path("pid").asLong(-1);
        String host = recorded.path("host").asText("");
        if (!host.equals(lookups.host())) {
            return new Verdict(false, gone + "run by pid " + pid + " on host " + host + ", which cannot be checked from " + lookups.host() + goOn);
        }
        if (pid <= 0 || !lookups.alive(pid, recorded.path("pidStarted").asText(null))) {
            return new Verdict(false, gone + "whose process " + pid + " on " + host + " is gone" + goOn);
        }
        return new Verdict(true, "--output " + output + " is being written by job " + jobId + " (RUNNING in process " + pid + " on " + host
                + ", started " + recorded.path("started").asText() + ")");
    }

    private static boolean terminal(String state) {
        try {
            return JobStatus.valueOf(state).isGloballyTerminalState();
        } catch (IllegalArgumentException e) {
            return false;  // a state this Flink does not know: assume it still runs
        }
    }

    /**
     * Writes {@code _WRITER} naming the job id {@link #claim} chose, before the job is submitted: a job of
     * this run never runs unrecorded (a submission that fails leaves a record of a job the JobManager does
     * not know, which blocks nothing).
     */
    void record() {
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("jobId", claimed.toHexString());
        if (rest != null) {
            record.put("rest", rest);
        } else {
            ProcessHandle self = ProcessHandle.current();
            record.put("pid", self.pid());
            self.info().startInstant().ifPresent(started -> record.put("pidStarted", started.toString()));
            record.put("host", WriterLookups.SYSTEM.host());
        }
        record.put("started", Instant.now().toString());
        new RunOutputs(output).writeJson(FILE, record);
    }

    @Override
    public void onJobSubmitted(JobClient client, Throwable failure) {
        submitted = client != null;
    }

    @Override
    public void onJobExecuted(JobExecutionResult result, Throwable failure) {
        // _WRITER stays, naming the job that wrote the outputs (a later run reads it to pick its own job id)
    }
}
