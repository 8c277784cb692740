package io.flinkddp.job;

import io.flinkddp.config.CommandLine;
import io.flinkddp.config.InvalidSettingsException;
import io.flinkddp.config.Option;
import io.flinkddp.config.ScoringSettings;
import io.flinkddp.data.ClassFolder;
import io.flinkddp.data.ImageRef;
import io.flinkddp.data.InvalidDataException;
import io.flinkddp.functions.CountImages;
import io.flinkddp.functions.DecodeImageToScore;
import io.flinkddp.functions.ListImages;
import io.flinkddp.functions.ScoreImages;
import io.flinkddp.model.weights.ModelFile;
import io.flinkddp.output.RunOutputs;
import io.flinkddp.score.ModelInfo;
import io.flinkddp.score.ScoredImage;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.DataSet;
import org.apache.flink.api.java.ExecutionEnvironment;
import org.apache.flink.configuration.Configuration;

/**
 * What predict and evaluate share. The command: parse the options, read the model ({@link ModelFile},
 * {@link ModelInfo}) on the client, so that a model that does not load stops before anything is
 * submitted, refuse an {@code --output} that already holds the command's results, run the job and turn
 * failures into one line (exit codes as training's: 0 done, 1 the job failed, 2 bad options or data).
 * The pipeline: list (the client lists the top level, list-images each folder on a TaskManager),
 * decode-images (training's decoding), score-images (one replica per slot), and count-images for the summaries.
 */
final class Scoring {

    /** A command's job, wired and run once the client's checks passed. */
    interface Job {
        JobExecutionResult run(ExecutionEnvironment env, ScoringSettings settings, ModelInfo model, long startMillis) throws Exception;
    }

    private static final int MIN_CROP = 32;

    private Scoring() {
    }

    /**
     * Runs a scoring command. Its options come from the command line only: job-defaults.properties holds
     * training's defaults, and a model brings its own resize and crop.
     *
     * @param results the file whose presence in {@code --output} means the command already ran there
     */
    static int runCommand(String command, List<Option<?>> options, String results, Job job, String[] args,
                          Function<ScoringSettings, ExecutionEnvironment> environment, PrintStream out, PrintStream err) {
        long startMillis = System.currentTimeMillis();
        try {
            Map<String, String> texts = CommandLine.merge(options, Map.of(), args);
            if (CommandLine.wantsHelp(texts)) {
                out.print(CommandLine.help(command, options));
                return 0;
            }
            // Every option checked, and the file systems set up, before the model is read (its crop may be any from 32 up).
            ScoringSettings provisional = ScoringSettings.fromOptions(options, texts, MIN_CROP, MIN_CROP);
            ExecutionEnvironment env = environment.apply(provisional);
            String modelUri = provisional.modelUri();
            int classes = ModelFile.classCount(ModelFile.load(modelUri, ModelInfo.TORCHVISION_CROP));
            ModelInfo model = ModelInfo.read(modelUri, provisional.classNamesUri(), classes);
            ScoringSettings settings = ScoringSettings.fromOptions(options, texts, model.resizePixels(), model.cropPixels());
            boolean done = storage("--output", settings.output(), env, () -> new RunOutputs(settings.output()).holds(results));
            if (done) {  // a scheduler's retry of the same command: nothing to do; else refused
                Optional<String> same = storage("--output", settings.output(), env, () -> FinishedRun.sameAs(settings, results));
                if (same.isPresent()) {
                    out.println(same.get());
                    return CommandOutcome.DONE;
                }
                throw new InvalidSettingsException("--output " + settings.output() + " already holds " + results
                        + ", but not of this command finished (_SUCCESS) with these options; choose another");
            }
            return CommandOutcome.done(job.run(env, settings, model, startMillis), settings.output(), out);
        } catch (Exception e) {
            return CommandOutcome.failed(e, "job", err);
        }
    }

    /** Runs a client-side access to {@code uri}; storage failures become one line naming the option and the reason. */
    static <T> T storage(String option, String uri, ExecutionEnvironment env, Callable<T> access) {
        try {
            return access.call();
        } catch (InvalidDataException | InvalidSettingsException e) {
            throw e;
        } catch (Exception e) {
            throw StorageErrors.describe(option, uri, e, Configuration.fromMap(env.getConfiguration().toMap()));
        }
    }

    /** Every image in {@code folders} (listed on the TaskManagers, recursively) and the {@code topImages} below {@code data}. */
    static DataSet<ImageRef> list(ExecutionEnvironment env, String data, List<ClassFolder> folders, List<ImageRef> topImages) {
        DataSet<ImageRef> listed = env.fromCollection(folders, TypeInformation.of(ClassFolder.class)).name("image-folders")
                .flatMap(new ListImages(data)).name("list-images");
        return topImages.isEmpty() ? listed
                : listed.union(env.fromCollection(topImages, TypeInformation.of(ImageRef.class)).name("top-level-images"));
    }

    /** Decodes the images with the settings' resize and crop, spreads them over the slots and scores them, k classes each. */
    static DataSet<ScoredImage> score(DataSet<ImageRef> images, ScoringSettings settings, int k) {
        return images.flatMap(new DecodeImageToScore(settings.data(), settings.resizePixels(), settings.cropPixels())).name("decode-images")
                .rebalance().name("spread-over-slots")
                .mapPartition(new ScoreImages(settings, k)).setParallelism(settings.slots()).name("score-images");
    }

    /** The listed images, counted per subtask (every count, zeros included: a broadcast set for the writers). */
    static DataSet<Long> count(DataSet<ImageRef> images) {
        return images.mapPartition(new CountImages()).name("count-images");
    }
}
