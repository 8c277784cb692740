package io.flinkddp.job;

import io.flinkddp.config.RunFiles;
import io.flinkddp.config.ScoringOptions;
import io.flinkddp.config.ScoringSettings;
import io.flinkddp.data.ClassFolder;
import io.flinkddp.data.ClassFolders;
import io.flinkddp.data.ImageRef;
import io.flinkddp.data.InvalidDataException;
import io.flinkddp.functions.Names;
import io.flinkddp.functions.WriteEvaluation;
import io.flinkddp.score.ModelInfo;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.java.DataSet;
import org.apache.flink.api.java.ExecutionEnvironment;
import org.apache.flink.api.java.io.DiscardingOutputFormat;

/**
 * The evaluate job: {@code flink run -c io.flinkddp.job.EvaluateJob flink-ddp-job.jar --model ... --data
 * ... --output ...} on labelled class folders, each matched by name to one of the model's classes (a
 * folder the model does not know stops the command before anything runs, naming it). Scores as predict
 * does and writes {@code confusion.csv} and {@code evaluation.json}: loss, top-1, top-5, per-class
 * precision and recall, and the counts. {@link #evaluate} wires the pipeline.
 */
public final class EvaluateJob {

    static final String COMMAND = "flink run -c io.flinkddp.job.EvaluateJob flink-ddp-job.jar";
    /** Top-5 needs the five most probable classes. */
    private static final int TOP = 5;

    private EvaluateJob() {
    }

    public static void main(String[] args) {
        CommandOutcome.endMain(runCommand(COMMAND, args, settings -> ExecutionEnvironment.getExecutionEnvironment(), System.out, System.err));
    }

    static int runCommand(String command, String[] args, Function<ScoringSettings, ExecutionEnvironment> environment,
                          PrintStream out, PrintStream err) {
        return Scoring.runCommand(command, ScoringOptions.EVALUATE, RunFiles.EVALUATION, EvaluateJob::evaluate, args, environment,
                out, err);
    }

    /** List the class folders, decode, score on every slot, add up, write confusion.csv then evaluation.json. */
    public static JobExecutionResult evaluate(ExecutionEnvironment env, ScoringSettings settings, ModelInfo model, long startMillis)
            throws Exception {
        List<String> names = Scoring.storage("--data", settings.data(), env, () -> ClassFolders.list(settings.data()));
        DataSet<ImageRef> images = Scoring.list(env, settings.data(), matched(names, model, settings), List.of());
        Scoring.score(images, settings, TOP)
                .mapPartition(new WriteEvaluation(settings, model, startMillis)).setParallelism(1).name("write-evaluation")
                .withBroadcastSet(Scoring.count(images), Names.IMAGES_LISTED)
                .output(new DiscardingOutputFormat<>()).name("evaluation-written");
        return env.execute("flink-ddp evaluate " + settings.modelUri() + " on " + settings.data());
    }

    /** Each folder with the model's index of its name; a folder the model does not know is an error naming it. */
    static List<ClassFolder> matched(List<String> folders, ModelInfo model, ScoringSettings settings) {
        List<ClassFolder> matched = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (String folder : folders) {
            int index = model.classNames().indexOf(folder);
            if (index < 0) {
                unknown.add(folder);
            } else {
                matched.add(new ClassFolder(index, folder));
            }
        }
        if (!unknown.isEmpty()) {
            List<String> known = model.classNames();
            throw new InvalidDataException("--data " + settings.data() + ": class folder '" + unknown.get(0) + "' is not a class of --model "
                    + settings.modelUri() + (unknown.size() > 1 ? " (nor are " + (unknown.size() - 1) + " more folders)" : "")
                    + "; its " + known.size() + " classes: " + String.join(", ", known.subList(0, Math.min(known.size(), 10)))
                    + (known.size() > 10 ? ", ..." : ""));
        }
        return matched;
    }
}
