package io.flinkddp.job;

import io.flinkddp.job.tools.AwaitJob;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Instant;
import java.util.Optional;

/** How to tell whether the writer recorded in a {@code _WRITER} still runs; {@link #SYSTEM} asks the JobManager and the OS. */
interface WriterLookups {

    /** The job's state at the JobManager at {@code rest}; empty if unknown there; IOException if it does not answer. */
    Optional<String> jobState(String rest, String jobId) throws IOException, InterruptedException;

    /** Whether process {@code pid} runs and, if {@code started} is given, was started then (a reused pid is another process). */
    boolean alive(long pid, String started);

    /** This machine's host name. */
    String host();

    WriterLookups SYSTEM = new WriterLookups() {
        @Override
        public Optional<String> jobState(String rest, String jobId) throws IOException, InterruptedException {
            return AwaitJob.jobState(rest, jobId);
        }

        @Override
        public boolean alive(long pid, String started) {
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .filter(p -> started == null || p.info().startInstant().map(Instant::toString).map(started::equals).orElse(true))
                    .isPresent();
        }

        @Override
        public String host() {
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                return "localhost";
            }
        }
    };
}
