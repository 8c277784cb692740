package io.flinkddp.job;

import java.util.Arrays;

/**
 * bin/predict and bin/evaluate: {@link PredictJob} or {@link EvaluateJob} (the first argument,
 * {@code predict} or {@code evaluate}) on an embedded local Flink configured from
 * {@code $FLINK_CONF_DIR/config.yaml}, with the web UI on the first free port from 8081, as bin/train-local.
 */
public final class ScoringLocal {

    private ScoringLocal() {
    }

    public static void main(String[] args) {
        String confDir = System.getenv("FLINK_CONF_DIR");
        String[] rest = Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
        String command = args.length == 0 ? "" : args[0];
        int code = switch (command) {
            case "predict" -> PredictJob.runCommand("bin/predict", rest, settings -> TrainLocal.webUiEnvironment(confDir, settings),
                    System.out, System.err);
            case "evaluate" -> EvaluateJob.runCommand("bin/evaluate", rest, settings -> TrainLocal.webUiEnvironment(confDir, settings),
                    System.out, System.err);
            default -> {
                System.err.println("error: the first argument must be predict or evaluate, got '" + command + "'");
                yield 2;
            }
        };
        System.exit(code);
    }
}
