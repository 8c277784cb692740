package io.flinkddp.config;

/**
 * The names of the files a run or a command writes under its output folder, in one place for the
 * writers ({@code output/}), the readers ({@code score/ModelInfo}, the tools) and the tests.
 */
public final class RunFiles {

    public static final String MODEL = "model.zip";
    public static final String LABELS = "labels.txt";
    public static final String METRICS = "metrics.jsonl";
    public static final String SUMMARY = "summary.json";
    public static final String PREDICTIONS = "predictions.jsonl";
    public static final String EVALUATION = "evaluation.json";
    public static final String CONFUSION = "confusion.csv";
    public static final String SUCCESS = "_SUCCESS";

    private RunFiles() {
    }
}
