package io.flinkddp.job;

import io.flinkddp.config.RunFiles;
import io.flinkddp.config.ScoringOptions;
import io.flinkddp.config.ScoringSettings;
import io.flinkddp.data.ClassFolder;
import io.flinkddp.data.ImageRef;
import io.flinkddp.data.ImageTree;
import io.flinkddp.functions.Names;
import io.flinkddp.functions.WritePredictions;
import io.flinkddp.score.ModelInfo;
import io.flinkddp.score.ScoredImage;
import java.io.PrintStream;
import java.util.List;
import java.util.function.Function;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.operators.Order;
import org.apache.flink.api.java.DataSet;
import org.apache.flink.api.java.ExecutionEnvironment;
import org.apache.flink.api.java.io.DiscardingOutputFormat;

/**
 * The predict job: {@code flink run -c io.flinkddp.job.PredictJob flink-ddp-job.jar --model ... --data
 * ... --output ...}. Scores every image below {@code --data} (any folder tree) with the model and
 * writes {@code predictions.jsonl} (one line per image, sorted by path: its top {@code --top-k}
 * classes by softmax probability) and {@code summary.json}. {@link #predict} wires the pipeline.
 */
public final class PredictJob {

    static final String COMMAND = "flink run -c io.flinkddp.job.PredictJob flink-ddp-job.jar";

    private PredictJob() {
    }

    public static void main(String[] args) {
        CommandOutcome.endMain(runCommand(COMMAND, args, settings -> ExecutionEnvironment.getExecutionEnvironment(), System.out, System.err));
    }

    static int runCommand(String command, String[] args, Function<ScoringSettings, ExecutionEnvironment> environment,
                          PrintStream out, PrintStream err) {
        return Scoring.runCommand(command, ScoringOptions.PREDICT, RunFiles.SUMMARY, PredictJob::predict, args, environment, out, err);
    }

    /** List, decode, score on every slot, sort by path, write predictions.jsonl then summary.json. */
    public static JobExecutionResult predict(ExecutionEnvironment env, ScoringSettings settings, ModelInfo model, long startMillis)
            throws Exception {
        ImageTree tree = Scoring.storage("--data", settings.data(), env, () -> ImageTree.list(settings.data()));
        List<ClassFolder> folders = tree.folders().stream().map(name -> new ClassFolder(-1, name)).toList();
        List<ImageRef> topImages = tree.images().stream().map(name -> new ImageRef(name, -1)).toList();

        DataSet<ImageRef> images = Scoring.list(env, settings.data(), folders, topImages);
        DataSet<ScoredImage> scored = Scoring.score(images, settings, settings.topK());
        scored.sortPartition("relativePath", Order.ASCENDING).setParallelism(1).name("sort-by-path")
                .mapPartition(new WritePredictions(settings, model, startMillis)).setParallelism(1).name("write-predictions")
                .withBroadcastSet(Scoring.count(images), Names.IMAGES_LISTED)
                .output(new DiscardingOutputFormat<>()).name("predictions-written");
        return env.execute("flink-ddp predict with " + settings.modelUri() + " on " + settings.data());
    }
}
