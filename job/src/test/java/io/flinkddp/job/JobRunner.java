package io.flinkddp.job;

import io.flinkddp.config.TrainingSettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.function.ToIntBiFunction;
import org.apache.flink.api.java.ExecutionEnvironment;

/** Runs a command line (train, predict, evaluate) on a local MiniCluster and keeps what it printed and how long it took. */
public record JobRunner(int exitCode, String out, String err, double seconds) {

    public static JobRunner run(String... args) {
        return run(null, args);
    }

    /** With the Flink configuration directory {@code confDir} (null for none). */
    public static JobRunner run(Path confDir, String... args) {
        String conf = confDir == null ? null : confDir.toString();
        return run(conf, settings -> TrainLocal.localEnvironment(conf, settings), args);
    }

    public static JobRunner run(String confDir, Function<TrainingSettings, ExecutionEnvironment> environment, String... args) {
        return capture((out, err) -> TrainJob.runCommand("train", args, environment, confDir, null, out, err));
    }

    /** bin/predict's command on a local MiniCluster. */
    public static JobRunner predict(String... args) {
        return capture((out, err) -> PredictJob.runCommand("predict", args, settings -> TrainLocal.localEnvironment(null, settings), out, err));
    }

    /** bin/evaluate's command on a local MiniCluster. */
    public static JobRunner evaluate(String... args) {
        return capture((out, err) -> EvaluateJob.runCommand("evaluate", args, settings -> TrainLocal.localEnvironment(null, settings), out, err));
    }

    private static JobRunner capture(ToIntBiFunction<PrintStream, PrintStream> command) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        long start = System.nanoTime();
        int code = command.applyAsInt(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new JobRunner(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8),
                (System.nanoTime() - start) / 1e9);
    }
}
