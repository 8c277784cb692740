package io.flinkddp.job;

import io.flinkddp.config.InvalidSettingsException;
import io.flinkddp.config.RunFiles;
import io.flinkddp.data.InvalidDataException;
import io.flinkddp.output.RunOutputs;
import java.io.PrintStream;
import java.util.List;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.util.ExceptionUtils;

/**
 * How the commands (train, predict, evaluate) end: what they print and the exit code they return.
 * 0: the job finished with every output written (or was submitted detached); 2: bad options or
 * data, one line saying which; 1: the job failed otherwise, with the cause and its stack trace.
 * README.md ("Run it from a scheduler") tabulates them.
 */
final class CommandOutcome {

    static final int DONE = 0;
    static final int FAILED = 1;
    static final int REFUSED = 2;

    private CommandOutcome() {
    }

    /**
     * The job ran attached or was submitted detached. An attached job counts as done only once its
     * {@code _SUCCESS}, the last output, is there; else this throws (exit code 1 through {@link #failed}).
     */
    static int done(JobExecutionResult result, String output, PrintStream out) {
        if (result.isJobExecutionResult() && !new RunOutputs(output).holds(RunFiles.SUCCESS)) {
            throw new IllegalStateException("the job finished, but " + output + " holds no " + RunFiles.SUCCESS
                    + ": its outputs are incomplete");
        }
        out.println(result.isJobExecutionResult()
                ? "done: outputs in " + output
                : "submitted (detached): job " + result.getJobID() + ", outputs will be in " + output);
        return DONE;
    }

    /**
     * Ends a command's {@code main} with {@code code}: returns for 0. Otherwise, called from Flink's CLI
     * ({@code flink run}, which would exit 1 for any exception), exits with {@code code}; anywhere else
     * (application mode, where main runs inside the JobManager) throws, so that the program fails.
     */
    static void endMain(int code) {
        if (code == DONE) {
            return;
        }
        if (calledFromFlinkCli()) {
            System.exit(code);
        }
        throw new TrainJob.JobFailed(code);
    }

    /** Whether Flink's command line, {@code CliFrontend}, is on this thread's stack (it runs a program's main in its own thread). */
    static boolean calledFromFlinkCli() {
        return StackWalker.getInstance().walk(frames -> frames.anyMatch(f -> f.getClassName().equals("org.apache.flink.client.cli.CliFrontend")));
    }

    /** A failure of the command or of its {@code job} ("training job", ...), told apart by what caused it. */
    static int failed(Exception e, String job, PrintStream err) {
        Throwable cause = userFacingCause(e);
        if (cause instanceof InvalidDataException || cause instanceof InvalidSettingsException) {
            err.println("error: " + cause.getMessage());
            return REFUSED;
        }
        err.println("error: the " + job + " failed: " + cause);
        e.printStackTrace(err);
        return FAILED;
    }

    /** The innermost exception that says what went wrong (Flink wraps a task's failure several times). */
    static Throwable userFacingCause(Throwable e) {
        for (Class<? extends Throwable> type : List.of(InvalidDataException.class, InvalidSettingsException.class)) {
            var found = ExceptionUtils.findThrowable(e, type);
            if (found.isPresent()) {
                return found.get();
            }
        }
        return ExceptionUtils.stripExecutionException(e);
    }
}
