package io.flinkddp.gpucheck;

import static io.flinkddp.config.Option.atLeast;

import io.flinkddp.config.CommandLine;
import io.flinkddp.config.CommonOptions;
import io.flinkddp.config.InvalidSettingsException;
import io.flinkddp.config.Option;
import io.flinkddp.config.TrainOptions;
import io.flinkddp.model.BatchStats;
import io.flinkddp.model.EngineBuffer;
import io.flinkddp.model.ModelDescription;
import io.flinkddp.model.ResNetDescription;
import io.flinkddp.model.gpu.CudaOps;
import io.flinkddp.model.gpu.GpuAvailability;
import io.flinkddp.model.gpu.GpuDevice;
import io.flinkddp.model.gpu.GpuEngine;
import io.flinkddp.model.gpu.GpuOps;
import io.flinkddp.model.gpu.HostOps;
import io.flinkddp.model.gpu.Precision;
import io.flinkddp.model.gpu.TorchvisionState;
import io.flinkddp.model.weights.TorchStateDict;
import io.flinkddp.train.EpochMetrics;
import io.flinkddp.train.EpochSchedule;
import io.flinkddp.train.GradientAveraging;
import io.flinkddp.train.ReduceLrOnPlateau;
import io.flinkddp.train.TrainingShard;
import io.flinkddp.train.UpdateRule;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Collectors;

/**
 * {@code bin/gpu-check train}: the training job's recipe on one replica of the GPU engine ({@link GpuEngine}), on the
 * arrays {@code bin/export-split} wrote ({@link SplitArrays}), where the job cannot go: the GPU machine has a JRE,
 * JavaCPP and the CUDA presets, not Flink or the images. It shares with the job, rather than copies: the slot's images
 * and each epoch's seeded order ({@link TrainingShard}), the step arithmetic ({@link EpochSchedule}), the minibatch
 * loop ({@link UpdateRule#computeWork}) and SGD step ({@link GradientAveraging}), the validation pass
 * ({@link TrainingShard#scoreValidation}, after every epoch, in inference mode), the ReduceLROnPlateau schedule on the
 * validation loss ({@link ReduceLrOnPlateau}) and the metrics ({@link EpochMetrics}). So it trains as the job trains
 * with {@code --slots 1} and the same {@code --batch-size}, {@code --lr}, {@code --momentum}, {@code --lr-patience},
 * {@code --lr-factor} and the export's {@code --seed}; only the initial weights differ in their draw (the job's come
 * from DL4J's generator, these from {@link #freshParameters}, same distributions), unless a {@code .pth} gives them.
 *
 * <p>{@code --ops cuda} runs the engine on a GPU ({@link CudaOps}, {@code --precision} any {@link Precision} by
 * name); {@code --ops host} on {@link HostOps}, the same operations as plain Java loops at that precision
 * (TF32 computes as FP32 there; BF16 stores bfloat16 activations; slow: tests). Out, under {@code --output}: {@code metrics.jsonl}, one JSON object per
 * epoch with the keys of the job's metrics.jsonl, rewritten as each epoch ends, and {@code summary.json} (the settings,
 * the device, the final epoch's metrics, the time); each epoch's log line on stdout. Exit code 2 for bad options or
 * arrays and without a usable GPU (one line saying why), 1 if reading or writing fails.
 *
 * <pre>TrainCheck --data EXPORTED --output DIR --ops cuda|host [--precision tf32] [--epochs 100] [--batch-size 100] [...]</pre>
 */
public final class TrainCheck {

    static final Option<String> DATA = CommonOptions.DATA.describedAs(
            "The folder bin/export-split wrote: split.properties, train-images.npy, train-labels.npy, val-images.npy, ...", null);
    static final Option<String> OUTPUT = CommonOptions.OUTPUT.describedAs(
            "The folder for metrics.jsonl (one line per epoch, the job's keys) and summary.json.", null);
    static final Option<String> OPS = Option.choice("ops",
            "The GPU engine's operations: cuda (cuDNN, cuBLAS and NVRTC kernels on a GPU) or host (the same operations as plain"
                    + " Java loops, float32, slow: for tests without a GPU).", "cuda", "host");
    static final Option<Precision> PRECISION = Option.of("precision",
            "The arithmetic of --ops cuda: a precision of the GPU engine by name (" + names() + ").", Precision.TF32, "tf32",
            TrainCheck::precision);
    static final Option<Integer> DEVICE = Option.integer("device", "The GPU of --ops cuda, by CUDA's index.", 0)
            .check(atLeast(0), "must be at least 0");
    static final Option<String> INIT_WEIGHTS = TrainOptions.INIT_WEIGHTS.describedAs(
            "A torchvision resnet50 state_dict (.pth, a local file) with the export's class count, or none: a fresh"
                    + " initialisation with the job's distributions, seeded by the export's --seed.", TrainOptions.NONE);
    static final Option<int[]> BLOCKS = Option.of("blocks",
            "Bottlenecks per stage of the ResNet, comma-separated: 3,4,6,3 is resnet50; fewer for tests.", new int[] {3, 4, 6, 3},
            "3,4,6,3", text -> Arrays.stream(text.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray())
            .check(b -> b.length >= 1 && b.length <= 4 && Arrays.stream(b).allMatch(n -> n >= 1), "must be 1 to 4 counts of at least 1");

    /** Every option, in the order {@code --help} lists them; the recipe's options are the training command's own declarations. */
    static final List<Option<?>> OPTIONS = List.of(DATA, OUTPUT, OPS, PRECISION, DEVICE, TrainOptions.EPOCHS, CommonOptions.BATCH_SIZE,
            TrainOptions.LR, TrainOptions.MOMENTUM, TrainOptions.LR_PATIENCE, TrainOptions.LR_FACTOR, INIT_WEIGHTS, BLOCKS,
            CommonOptions.HELP);

    /** The check's settings, each validated by its option's declaration. */
    record Settings(Path data, Path output, boolean cuda, Precision precision, int device, int epochs, int batchSize,
                    double learningRate, double momentum, int lrPatience, double lrFactor, Optional<Path> initWeights, int[] blocks) {

        /** The settings of option texts merged by {@link CommandLine#merge}; options given nowhere take their declared default. */
        static Settings of(Map<String, String> texts) {
            String init = value(INIT_WEIGHTS, texts);
            return new Settings(Path.of(value(DATA, texts)), Path.of(value(OUTPUT, texts)), value(OPS, texts).equals("cuda"),
                    value(PRECISION, texts), value(DEVICE, texts), value(TrainOptions.EPOCHS, texts), value(CommonOptions.BATCH_SIZE, texts),
                    value(TrainOptions.LR, texts), value(TrainOptions.MOMENTUM, texts), value(TrainOptions.LR_PATIENCE, texts),
                    value(TrainOptions.LR_FACTOR, texts), init.equals(TrainOptions.NONE) ? Optional.empty() : Optional.of(Path.of(init)),
                    value(BLOCKS, texts));
        }

        private static <T> T value(Option<T> option, Map<String, String> texts) {
            return option.validate(option.parse(texts.get(option.name())));
        }
    }

    /** Each epoch's metrics, and the parameters (batch-norm statistics included) after the last. */
    record Result(List<EpochMetrics> history, float[] parameters) {
    }

    private TrainCheck() {
    }

    public static void main(String[] args) {
        System.exit(command(args, System.out, System.err));
    }

    /** Runs the command; returns its exit code (0 done, 1 reading or writing failed, 2 bad options or arrays, or no usable GPU). */
    static int command(String[] args, PrintStream out, PrintStream err) {
        try {
            Map<String, String> texts = CommandLine.merge(OPTIONS, Map.of(), args);
            if (CommandLine.wantsHelp(texts)) {
                out.print(CommandLine.help("bin/gpu-check train", OPTIONS));
                return 0;
            }
            Settings settings = Settings.of(texts);
            if (settings.cuda()) {
                Optional<String> problem = GpuAvailability.problem();
                if (problem.isPresent()) {
                    err.println("train-check: " + problem.get());
                    return 2;
                }
            }
            SplitArrays arrays = SplitArrays.read(settings.data());
            GpuOps ops = settings.cuda() ? cudaOps(settings) : new HostOps(settings.precision());
            String device = settings.cuda() ? ((CudaOps) ops).device().architecture() + " (device " + settings.device() + ")"
                    : "host (plain-Java operations, float32)";
            train(settings, arrays, ops, device, out);
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("train-check: " + e.getMessage());
            return 2;
        } catch (IOException | UncheckedIOException e) {
            err.println("train-check: " + e.getMessage());
            return 1;
        }
    }

    private static GpuOps cudaOps(Settings settings) {
        return new CudaOps(new GpuDevice(settings.device()), settings.precision());
    }

    /**
     * Trains a fresh replica on {@code ops} for {@code --epochs} epochs, scoring the validation images after each, and
     * writes the metrics under {@code --output} as each epoch ends; closes the engine (and so the operations' memory).
     */
    static Result train(Settings settings, SplitArrays arrays, GpuOps ops, String device, PrintStream log) throws IOException {
        ModelDescription model = ResNetDescription.of(settings.blocks(), arrays.classes());
        float[] initial = settings.initWeights().isPresent() ? torchvision(model, settings.initWeights().get())
                : freshParameters(model, arrays.seed());
        Files.createDirectories(settings.output());
        UpdateRule rule = new GradientAveraging(1);
        ReduceLrOnPlateau scheduler = new ReduceLrOnPlateau(settings.learningRate(), settings.lrPatience(), settings.lrFactor());
        List<EpochMetrics> history = new ArrayList<>();
        long start = System.nanoTime();
        try (TrainingShard shard = new TrainingShard(arrays.shard(), Long.MAX_VALUE, Path.of(System.getProperty("java.io.tmpdir")),
                arrays.seed(), 0);
             GpuEngine engine = new GpuEngine(model, initial, ops, arrays.side())) {
            EpochSchedule schedule = EpochSchedule.unknown(settings.epochs(), settings.batchSize(), rule.minibatchesPerRound())
                    .withLargestShard(shard.trainSize());
            log.printf(Locale.ROOT, "train-check: %d training and %d validation images of %d px, %d classes, %d steps an epoch of"
                            + " batch %d, on %s%s%n", shard.trainSize(), shard.validationSize(), arrays.side(), arrays.classes(),
                    schedule.roundsPerEpoch(), settings.batchSize(), device,
                    settings.cuda() ? ", " + settings.precision().name().toLowerCase(Locale.ROOT) : "");
            for (int epoch = 1; epoch <= settings.epochs(); epoch++) {
                long epochStart = System.nanoTime();
                BatchStats train = BatchStats.EMPTY;
                for (long step = (epoch - 1) * schedule.roundsPerEpoch(); step < epoch * schedule.roundsPerEpoch(); step++) {
                    BatchStats work = rule.computeWork(engine, shard, schedule, step, scheduler.learningRate(), settings.momentum());
                    if (work.samples() == 0) {
                        continue;
                    }
                    rule.endRound(engine, work.samples());
                    rule.takeOwnWorkAsSums(engine);
                    rule.apply(engine, work.samples(), scheduler.learningRate(), settings.momentum());
                    train = train.plus(work);
                }
                BatchStats validation = shard.scoreValidation(engine, settings.batchSize());
                EpochMetrics metrics = EpochMetrics.of(epoch, train, validation, scheduler.learningRate(),
                        (System.nanoTime() - epochStart) / 1e9);
                scheduler.step(metrics.valLoss());
                history.add(metrics);
                log.println(metrics.logLine(settings.epochs()));
                writeText(settings.output().resolve("metrics.jsonl"),
                        history.stream().map(m -> json(m.asJson())).collect(Collectors.joining("\n", "", "\n")));
            }
            float[] parameters = engine.read(EngineBuffer.PARAMETERS);
            writeText(settings.output().resolve("summary.json"),
                    json(summary(settings, arrays, device, schedule, history, (System.nanoTime() - start) / 1e9)) + "\n");
            return new Result(history, parameters);
        }
    }

    private static Map<String, Object> summary(Settings settings, SplitArrays arrays, String device, EpochSchedule schedule,
                                               List<EpochMetrics> history, double seconds) {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("ops", settings.cuda() ? "cuda" : "host");
        summary.put("precision", settings.cuda() ? settings.precision().name().toLowerCase(Locale.ROOT) : "fp32");
        summary.put("device", device);
        summary.put("data", settings.data().toString());
        summary.put("seed", arrays.seed());
        summary.put("side", arrays.side());
        summary.put("classes", arrays.classes());
        summary.put("train_images", arrays.train().size());
        summary.put("val_images", arrays.validation().size());
        summary.put("blocks", Arrays.stream(settings.blocks()).boxed().toList());
        summary.put("init_weights", settings.initWeights().map(Path::toString).orElse(TrainOptions.NONE));
        summary.put("epochs", settings.epochs());
        summary.put("batch_size", settings.batchSize());
        summary.put("steps_per_epoch", schedule.roundsPerEpoch());
        summary.put("lr", settings.learningRate());
        summary.put("momentum", settings.momentum());
        summary.put("lr_patience", settings.lrPatience());
        summary.put("lr_factor", settings.lrFactor());
        summary.put("final_metrics", history.isEmpty() ? Map.of() : history.get(history.size() - 1).asJson());
        summary.put("wall_seconds", seconds);
        return summary;
    }

    /**
     * Fresh parameters with the distributions of the job's networks ({@code Networks}, torchvision's): convolutions
     * kaiming normal (fan-out, ReLU gain), batch norms gamma 1, beta 0, running mean 0 and variance 1, the classifier's
     * weights uniform in +-1/sqrt(inputs) and its bias 0. Drawn by {@link Random} from {@code seed}, so the same for a
     * seed, but not DL4J's numbers.
     */
    static float[] freshParameters(ModelDescription model, long seed) {
        Random random = new Random(seed);
        float[] values = new float[Math.toIntExact(model.layout().numParams())];
        for (ModelDescription.Op op : model.ops()) {
            for (ModelDescription.Param p : op.params()) {
                int from = (int) p.offset();
                int to = (int) (p.offset() + p.length());
                if (op.kind() == ModelDescription.Kind.CONVOLUTION) {
                    double std = Math.sqrt(2.0 / (p.shape().get(0) * p.shape().get(2) * p.shape().get(3)));
                    for (int i = from; i < to; i++) {
                        values[i] = (float) (random.nextGaussian() * std);
                    }
                } else if (op.kind() == ModelDescription.Kind.CLASSIFIER && p.key().equals("W")) {
                    double bound = 1 / Math.sqrt(p.shape().get(0));
                    for (int i = from; i < to; i++) {
                        values[i] = (float) ((2 * random.nextDouble() - 1) * bound);
                    }
                } else if (p.key().equals("gamma") || p.key().equals("var")) {
                    Arrays.fill(values, from, to, 1f);
                }
            }
        }
        return values;
    }

    /** The vector of a torchvision state_dict ({@code .pth}), as {@code bin/gpu-check} reads it. */
    private static float[] torchvision(ModelDescription model, Path file) throws IOException {
        Map<String, float[]> state = new LinkedHashMap<>();
        TorchStateDict.read(file, file.toString()).forEach((name, tensor) -> state.put(name, tensor.values()));
        return TorchvisionState.vector(model, state);
    }

    private static Precision precision(String name) {
        try {
            return Precision.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingsException("--precision must be one of " + names() + ", got " + name);
        }
    }

    private static String names() {
        return Arrays.stream(Precision.values()).map(p -> p.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "));
    }

    /** A JSON text of strings, numbers (NaN and infinities as Python's json writes them), lists and maps. */
    static String json(Object value) {
        if (value instanceof Map<?, ?> map) {
            return map.entrySet().stream().map(e -> json(String.valueOf(e.getKey())) + ": " + json(e.getValue()))
                    .collect(Collectors.joining(", ", "{", "}"));
        }
        if (value instanceof List<?> list) {
            return list.stream().map(TrainCheck::json).collect(Collectors.joining(", ", "[", "]"));
        }
        if (value instanceof Number || value instanceof Boolean) {
            return String.valueOf(value);
        }
        String text = String.valueOf(value);
        StringBuilder quoted = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                quoted.append('\\').append(c);
            } else if (c < 0x20) {
                quoted.append(String.format("\\u%04x", (int) c));
            } else {
                quoted.append(c);
            }
        }
        return quoted.append('"').toString();
    }

    private static void writeText(Path file, String text) throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(temporary, text);
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
    }
}
