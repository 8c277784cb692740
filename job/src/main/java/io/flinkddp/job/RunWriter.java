package io.flinkddp.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkddp.config.InvalidSettingsException;
import io.flinkddp.job.tools.AwaitJob;
import io.flinkddp.output.RunOutputs;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.java.ExecutionEnvironment;
import org.apache.flink.api.java.LocalEnvironment;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.JobListener;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One writer per {@code --output}. In: the output directory and the environment the job runs on. Kept:
 * {@code <output>/_WRITER}, JSON naming the job that writes it: {@code jobId}, {@code started}, and
 * where to look it up: {@code rest} (the JobManager's REST address) on a cluster, or {@code pid} and
 * {@code host} of the client for an embedded local environment. As a {@link JobListener} it writes the
 * file once the job is submitted and deletes it when an attached job ends (a detached submission leaves
 * it to its job). Before a run, {@link #refuseIfRunning} reads a {@code _WRITER} of an unfinished run
 * (no {@code _SUCCESS}) and refuses (exit 2) while that job still runs; a writer that is gone (job
 * ended or unknown, JobManager unreachable, pid dead) is logged and overwritten.
 */
final class RunWriter implements JobListener {

    static final String FILE = "_WRITER";
    private static final Logger LOG = LoggerFactory.getLogger(RunWriter.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How to tell whether a recorded writer still runs; {@link #SYSTEM} asks the JobManager and the OS. */
    interface Lookups {
        /** The job's state at the JobManager at {@code rest}; empty if unknown there; IOException if it does not answer. */
        Optional<String> jobState(String rest, String jobId) throws IOException, InterruptedException;

        boolean alive(long pid);

        String host();
    }

    static final Lookups SYSTEM = new Lookups() {
        @Override
        public Optional<String> jobState(String rest, String jobId) throws IOException, InterruptedException {
            return AwaitJob.jobState(rest, jobId);
        }

        @Override
        public boolean alive(long pid) {
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        }

        @Override
        public String host() {
            return thisHost();
        }
    };

    /** Whether the writer named in a {@code _WRITER} still runs, and the line saying so (the refusal, or what is logged). */
    record Verdict(boolean running, String line) {
    }

    private final String output;
    private final String rest;  // null: an embedded local environment, looked up by pid
    private boolean written;

    RunWriter(String output, String rest) {
        this.output = output;
        this.rest = rest;
    }

    /** The writer of {@code output} for jobs run by {@code env}. */
    static RunWriter of(ExecutionEnvironment env, String output) {
        return new RunWriter(output, env instanceof LocalEnvironment ? null
                : AwaitJob.restAddress(Configuration.fromMap(env.getConfiguration().toMap())));
    }

    /**
     * Throws (exit 2) while the writer recorded in an unfinished {@code output} still runs; otherwise logs
     * what it found and returns whether there was a {@code _WRITER} to take over.
     */
    boolean refuseIfRunning(Lookups lookups) {
        Path file = new Path(output, FILE);
        JsonNode recorded;
        try {
            FileSystem fs = file.getFileSystem();
            if (!fs.exists(file) || fs.exists(new Path(output, RunOutputs.SUCCESS))) {
                return false;
            }
            try (InputStream in = fs.open(file)) {
                recorded = JSON.readTree(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        Verdict verdict = decide(output, recorded, lookups);
        if (verdict.running()) {
            throw new InvalidSettingsException(verdict.line());
        }
        LOG.info(verdict.line());
        return true;
    }

    /** Whether the writer {@code recorded} in {@code output}'s {@code _WRITER} still runs, as {@code lookups} tell. */
    static Verdict decide(String output, JsonNode recorded, Lookups lookups) {
        String jobId = recorded.path("jobId").asText("(no job id)");
        String gone = FILE + " of " + output + " names job " + jobId + ", ";
        String goOn = "; this run takes over " + output + " (resuming from its checkpoints, if any)";
        if (recorded.hasNonNull("rest")) {
            String rest = recorded.get("rest").asText();
            Optional<String> state;
            try {
                state = lookups.jobState(rest, jobId);
            } catch (IOException e) {
                return new Verdict(false, gone + "but the JobManager at " + rest + " does not answer (" + e.getMessage() + ")" + goOn);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while asking " + rest + " about job " + jobId, e);
            }
            if (state.isEmpty()) {
                return new Verdict(false, gone + "which the JobManager at " + rest + " does not know" + goOn);
            }
            if (terminal(state.get())) {
                return new Verdict(false, gone + "which is " + state.get() + " at " + rest + goOn);
            }
            return new Verdict(true, "--output " + output + " is being written by job " + jobId + " (" + state.get() + " on " + rest
                    + "); wait for it with bin/await-job " + jobId + ", or choose another --output");
        }
        long pid = recorded.path("pid").asLong(-1);
        String host = recorded.path("host").asText("");
        if (!host.equals(lookups.host())) {
            return new Verdict(false, gone + "run by pid " + pid + " on host " + host + ", which cannot be checked from " + lookups.host() + goOn);
        }
        if (pid <= 0 || !lookups.alive(pid)) {
            return new Verdict(false, gone + "whose process " + pid + " on " + host + " is gone" + goOn);
        }
        return new Verdict(true, "--output " + output + " is being written by job " + jobId + " (RUNNING in process " + pid + " on " + host
                + ", started " + recorded.path("started").asText() + "); wait for it to end, or choose another --output");
    }

    private static boolean terminal(String state) {
        try {
            return JobStatus.valueOf(state).isGloballyTerminalState();
        } catch (IllegalArgumentException e) {
            return false;  // a state this Flink does not know: assume it still runs
        }
    }

    /** Records the submitted job in {@code _WRITER}; if that fails, cancels the job (it would run unrecorded) and fails the command. */
    @Override
    public void onJobSubmitted(JobClient client, Throwable failure) {
        if (client == null) {
            return;
        }
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("jobId", client.getJobID().toHexString());
        if (rest != null) {
            record.put("rest", rest);
        } else {
            record.put("pid", ProcessHandle.current().pid());
            record.put("host", thisHost());
        }
        record.put("started", Instant.now().toString());
        try {
            new RunOutputs(output).writeJson(FILE, record);
            written = true;
        } catch (RuntimeException e) {
            client.cancel();
            throw e;
        }
    }

    /** An attached job ended (or the run failed): its {@code _WRITER} goes. A detached submission keeps it. */
    @Override
    public void onJobExecuted(JobExecutionResult result, Throwable failure) {
        if (written && (failure != null || result == null || result.isJobExecutionResult())) {
            release();
        }
    }

    /** Deletes {@code _WRITER} if this client wrote it; a failure is only logged (a stale one blocks nothing). */
    void release() {
        if (!written) {
            return;
        }
        written = false;
        Path file = new Path(output, FILE);
        try {
            file.getFileSystem().delete(file, false);
        } catch (IOException e) {
            LOG.warn("cannot delete {}: {} (it blocks no later run: its job has ended)", file, e.getMessage());
        }
    }

    private static String thisHost() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
