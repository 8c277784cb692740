package io.flinkddp.job;

import io.flinkddp.config.InvalidSettingsException;
import io.flinkddp.config.CommandLine;
import io.flinkddp.config.TrainingSettings;
import io.flinkddp.data.ClassFolders;
import io.flinkddp.data.ClassLabels;
import io.flinkddp.data.DecodedImage;
import io.flinkddp.data.ListingSummary;
import io.flinkddp.data.SplitImage;
import io.flinkddp.data.classindex.ClassIndex;
import io.flinkddp.functions.AssignSplit;
import io.flinkddp.functions.ByChunk;
import io.flinkddp.functions.ChooseCheckpoint;
import io.flinkddp.functions.BySlot;
import io.flinkddp.functions.DecodeImage;
import io.flinkddp.functions.InSubset;
import io.flinkddp.functions.ListImages;
import io.flinkddp.functions.Names;
import io.flinkddp.functions.SumGradientChunks;
import io.flinkddp.functions.SummarizeListing;
import io.flinkddp.functions.TrainOnSlot;
import io.flinkddp.functions.WriteDryRunSummary;
import io.flinkddp.model.Networks;
import io.flinkddp.model.weights.InitialWeights;
import io.flinkddp.output.CheckpointManifest;
import io.flinkddp.output.Checkpoints;
import io.flinkddp.output.RunOutputs;
import io.flinkddp.train.GradientChunk;
import io.flinkddp.train.RoundReportAggregator;
import io.flinkddp.train.TrainingFinished;
import java.io.PrintStream;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.DataSet;
import org.apache.flink.api.java.ExecutionEnvironment;
import org.apache.flink.api.java.io.DiscardingOutputFormat;
import org.apache.flink.api.java.operators.IterativeDataSet;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training job: {@code flink run flink-ddp-job.jar --data ... [options]}. {@link #train} wires
 * the pipeline; {@link TrainLocal} runs the same pipeline on an embedded Flink.
 */
public final class TrainJob {

    private static final Logger LOG = LoggerFactory.getLogger(TrainJob.class);

    private TrainJob() {
    }

    /**
     * The entry point of {@code flink run}. It ends through {@link CommandOutcome#endMain}: under Flink's
     * CLI with the command's exit code, in application mode (main inside the JobManager) never by
     * System.exit: a failure, already explained on stderr, throws {@link JobFailed}.
     */
    public static void main(String[] args) {
        CommandOutcome.endMain(runCommand("flink run flink-ddp-job.jar", args, settings -> ExecutionEnvironment.getExecutionEnvironment(),
                System.getenv("FLINK_CONF_DIR"), null, System.out, System.err));
    }

    /** Ends {@link #main} after a failure that runCommand has already explained on stderr. */
    static final class JobFailed extends RuntimeException {
        JobFailed(int code) {
            super("flink-ddp stopped with exit code " + code + " (the reason is printed above)", null, false, false);
        }
    }

    /**
     * Wires list, split, decode, train rounds and the writes, then runs the job and waits for it.
     * The training loop is a bulk iteration: every round each slot applies the previous round's
     * gradient sum and emits its next gradient in chunks; sum-gradients adds the chunks per index
     * across slots and feeds the sums back as the next round's broadcast set.
     */
    public static JobExecutionResult train(ExecutionEnvironment env, TrainingSettings settings) throws Exception {
        return train(env, settings, () -> { });
    }

    /** The same, running {@code beforeSubmit} once the checks of storage have passed, before the job is submitted. */
    static JobExecutionResult train(ExecutionEnvironment env, TrainingSettings settings, Runnable beforeSubmit) throws Exception {
        long startMillis = System.currentTimeMillis();
        ClassLabels classes = checkStorage(settings, env.getConfiguration());
        beforeSubmit.run();
        int slots = settings.slots();

        // List each class folder on a TaskManager, then split on paths alone (deterministic). Split and
        // summarize are all-group-reduces, which Flink always runs with parallelism 1, even when they
        // feed an iteration (whose step function would otherwise impose its own parallelism).
        DataSet<SplitImage> images = env.fromCollection(classes.classFolders()).name("class-folders")
                .flatMap(new ListImages(settings.data())).name("list-images")
                .reduceGroup(new AssignSplit(settings)).setParallelism(1).name("split");
        DataSet<ListingSummary> listing = images.reduceGroup(new SummarizeListing(settings.data(), classes, slots))
                .setParallelism(1).name("summarize-listing");
        if (settings.dryRun()) {
            listing.mapPartition(new WriteDryRunSummary(settings, classes, startMillis)).setParallelism(1).name("write-summary")
                    .output(new DiscardingOutputFormat<>()).name("dry-run-done");
            return env.execute(jobName(settings));
        }

        // Decode in parallel, then send each image to its slot's training subtask.
        DataSet<DecodedImage> shards = images.filter(new InSubset()).name("drop-unused")
                .flatMap(new DecodeImage(settings.data(), settings.resizePixels(), settings.cropPixels())).name("decode-images")
                .partitionCustom(new BySlot(), "slot").setParallelism(slots).name("shard-by-slot");

        // Choose the checkpoint to resume from, once per attempt (after the listing, so it reruns with it).
        DataSet<String> resumeFrom = listing.flatMap(new ChooseCheckpoint(settings)).setParallelism(1).name("choose-checkpoint");

        // Rounds: train on every slot, sum the gradient chunks across slots, broadcast the sums back.
        IterativeDataSet<GradientChunk> rounds = env.fromCollection(List.of(), TypeInformation.of(GradientChunk.class))
                .name("no-gradient-yet").iterate(Integer.MAX_VALUE);
        rounds.setParallelism(slots).name("training-rounds");
        rounds.registerAggregationConvergenceCriterion(Names.ROUND_REPORT, new RoundReportAggregator(), new TrainingFinished());
        DataSet<GradientChunk> sums = shards
                .mapPartition(new TrainOnSlot(settings, classes, startMillis)).setParallelism(slots).name("train-round")
                .withBroadcastSet(rounds, Names.GRADIENT_SUMS)
                .withBroadcastSet(listing, Names.LISTING_SUMMARY)
                .withBroadcastSet(resumeFrom, Names.RESUME_FROM)
                .partitionCustom(new ByChunk(), new GradientChunk.Key()).setParallelism(slots).name("chunks-by-index")
                .mapPartition(new SumGradientChunks()).setParallelism(slots).name("sum-gradients");
        rounds.closeWith(sums).output(new DiscardingOutputFormat<>()).name("end-of-training");
        return env.execute(jobName(settings));
    }

    /**
     * Checks, on the client and before the job starts, that {@code --output} holds no finished run (or
     * one to train on for more epochs), that its checkpoints, if any, were written with these settings,
     * that {@code --data} can be listed, that every class folder maps to one class of {@code --class-index}
     * (if given) and that {@code --init-weights}, if a fresh start reads it, fits the network; returns the
     * class folders with their labels. Storage failures (wrong credentials, missing bucket, server down)
     * become one line naming what failed and where.
     */
    private static ClassLabels checkStorage(TrainingSettings settings, ReadableConfig conf) {
        Configuration flinkConf = Configuration.fromMap(conf.toMap());
        RunOutputs outputs = new RunOutputs(settings.output());
        boolean finished;
        Optional<CheckpointManifest> newest;
        try {
            finished = outputs.holdsFinishedRun();
            newest = new Checkpoints(settings.output()).newest();
        } catch (RuntimeException e) {
            throw StorageErrors.describe("--output", settings.output(), e, flinkConf);
        }
        newest.ifPresent(checkpoint -> checkpoint.requireResumableBy(settings));
        int epochsDone = newest.map(CheckpointManifest::epochsCompleted).orElse(0);
        if (finished && (settings.dryRun() || epochsDone >= settings.epochs())) {
            throw new InvalidSettingsException("--output " + settings.output() + " already holds a finished run (summary.json"
                    + (epochsDone > 0 ? ", " + epochsDone + " epochs" : "") + "); choose another"
                    + (epochsDone > 0 ? ", or raise --epochs above " + epochsDone + " to train it on" : ""));
        }
        if (finished) {
            outputs.reopen();
        }
        newest.ifPresent(checkpoint -> LOG.info("{} holds checkpoints (the newest: step {}, {} epochs done): the run resumes from the newest intact one",
                settings.output(), checkpoint.stepsApplied(), checkpoint.epochsCompleted()));
        List<String> folders = StorageErrors.access("--data", settings.data(), flinkConf, () -> ClassFolders.list(settings.data()));
        ClassLabels classes = ClassLabels.ofFolders(folders);
        if (settings.classIndex().isPresent()) {
            String uri = settings.classIndex().get();
            ClassIndex index = StorageErrors.access("--class-index", uri, flinkConf, () -> ClassIndex.read(uri));
            classes = index.mapFolders(folders);
            LOG.info("--class-index {}: each of the {} class folders labelled with one of its {} classes", uri, folders.size(),
                    index.size());
        }
        if (newest.isEmpty() && settings.initWeights().isPresent()) {  // here, not in train-round after every image is decoded
            InitialWeights.load(settings.initWeights().get(), Networks.build(settings, classes.numClasses()));
        }
        return classes;
    }

    private static String jobName(TrainingSettings settings) {
        return "flink-ddp " + (settings.dryRun() ? "dry run" : "train " + settings.model()) + " on " + settings.data() + " into " + settings.output();
    }

    /**
     * Parses the options, runs the job (unless {@code --output} holds a run finished with these
     * settings: {@link FinishedRun}; while another job writes it, waits for that job: {@link OtherWriter}),
     * and turns failures into one clear line. Returns the exit code ({@link CommandOutcome}): 0 done,
     * 1 the job (or the other writer's) failed, 2 bad options or data.
     */
    static int runCommand(String command, String[] args, Function<TrainingSettings, ExecutionEnvironment> environment, String confDir,
                          String defaultData, PrintStream out, PrintStream err) {
        try {
            Map<String, String> values = CommandLine.merge(TrainingSettings.OPTIONS, CommandLine.readDefaults(confDir), args);
            if (CommandLine.wantsHelp(values)) {
                out.print(CommandLine.help(command, TrainingSettings.OPTIONS));
                return 0;
            }
            String defaultOutput = "runs/" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
            TrainingSettings settings = TrainingSettings.fromOptions(values, defaultData, defaultOutput);
            OptionalInt code = OptionalInt.empty();
            while (code.isEmpty()) {  // again only after waiting for another writer that ended well
                code = runOnce(environment.apply(settings), settings, out, err);
            }
            return code.getAsInt();
        } catch (Exception e) {
            return CommandOutcome.failed(e, "training job", err);
        }
    }

    /** Trains (or finds the run done), or waits for the other job writing {@code --output}: empty if that one ended well. */
    private static OptionalInt runOnce(ExecutionEnvironment env, TrainingSettings settings, PrintStream out, PrintStream err)
            throws Exception {
        Configuration conf = env.getConfiguration();
        String output = settings.output();
        RunWriter writer = RunWriter.of(env, output);  // one writer per --output
        Optional<RunWriter.Running> other = StorageErrors.access("--output", output, conf, () -> writer.claim(conf, WriterLookups.SYSTEM));
        if (other.isEmpty()) {
            // Looked at after the writer (a job that FINISHED at the JobManager has written _SUCCESS before).
            Optional<String> finished = StorageErrors.access("--output", output, conf, () -> FinishedRun.sameAs(settings));
            if (finished.isPresent()) {  // a scheduler's retry of a run that finished: nothing to do
                out.println(finished.get());
                return OptionalInt.of(CommandOutcome.DONE);
            }
            env.registerJobListener(writer);  // learns whether the submission went through
            Runnable record = () -> StorageErrors.access("--output", output, conf, () -> {
                writer.record();  // _WRITER names the job before it is submitted
                return null;
            });
            try {
                return OptionalInt.of(CommandOutcome.done(train(env, settings, record), output, out));
            } catch (Exception e) {
                other = writer.winner(WriterLookups.SYSTEM);  // two commands at once: the JobManager took the other's job
                if (other.isEmpty()) {
                    throw e;
                }
            }
        }
        return OtherWriter.await(other.get(), conf.get(DeploymentOptions.ATTACHED), output, WriterLookups.SYSTEM, out, err);
    }
}
