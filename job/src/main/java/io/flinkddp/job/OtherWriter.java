package io.flinkddp.job;

import io.flinkddp.config.RunFiles;
import io.flinkddp.job.tools.AwaitJob;
import io.flinkddp.output.RunOutputs;
import java.io.PrintStream;
import java.util.OptionalInt;

/**
 * What a command does about another job still writing its {@code --output} ({@link RunWriter#claim} found
 * it): attached, it waits for that job to end and reports its outcome; detached, it submits nothing and
 * names the job ({@code JobID <id>}, as Flink's CLI prints it) for {@code bin/await-job}. Out: the exit
 * code, or empty when the other job ended well and the command should look at the output again (where
 * it usually finds the run done). Keeps nothing.
 */
final class OtherWriter {

    /** How often the JobManager (or the process table) is asked, and how long a silent JobManager is tolerated. */
    static final double POLL_SECONDS = 2;
    static final double UNREACHABLE_SECONDS = 120;

    private OtherWriter() {
    }

    static OptionalInt await(RunWriter.Running other, boolean attached, String output, WriterLookups lookups, PrintStream out,
                             PrintStream err) throws InterruptedException {
        if (!attached) {
            out.println("not submitted: " + other.line() + "; it goes on as JobID " + other.jobId() + ": wait for it with bin/await-job "
                    + other.jobId());
            return OptionalInt.of(CommandOutcome.DONE);
        }
        if (other.rest() != null) {
            out.println(other.line() + ": waiting for it to end, as bin/await-job " + other.jobId() + " would");
            int code = AwaitJob.await(other.rest(), other.jobId(), POLL_SECONDS, UNREACHABLE_SECONDS, out, err);
            return code == CommandOutcome.DONE ? OptionalInt.empty() : OptionalInt.of(code);
        }
        out.println(other.line() + ": waiting for process " + other.pid() + " to end");
        while (lookups.alive(other.pid(), other.pidStarted())) {
            Thread.sleep((long) (POLL_SECONDS * 1000));
        }
        if (new RunOutputs(output).holds(RunFiles.SUCCESS)) {
            return OptionalInt.empty();
        }
        err.println("error: process " + other.pid() + " ended without finishing " + output + " (it holds no " + RunFiles.SUCCESS
                + "); the command run again resumes from its checkpoints");
        return OptionalInt.of(CommandOutcome.FAILED);
    }
}
