package io.flinkddp.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every option of the job, declared once with its default and description. The command line, the
 * defaults file ({@code job-defaults.properties} in the Flink configuration directory) and
 * {@code --help} all come from this list.
 */
public final class JobOptions {

    public static final String DATA = "data";
    public static final String OUTPUT = "output";
    public static final String SLOTS = "slots";
    public static final String BATCH_SIZE = "batch-size";
    public static final String EPOCHS = "epochs";
    public static final String LR = "lr";
    public static final String MOMENTUM = "momentum";
    public static final String LR_PATIENCE = "lr-patience";
    public static final String LR_FACTOR = "lr-factor";
    public static final String RESIZE = "resize";
    public static final String CROP = "crop";
    public static final String SEED = "seed";
    public static final String TRAIN_FRACTION = "train-fraction";
    public static final String SUBSET = "subset";
    public static final String MODEL = "model";
    public static final String CHUNK_FLOATS = "gradient-chunk-floats";
    public static final String CHECKPOINT_EVERY_ROUNDS = "checkpoint-every-rounds";
    public static final String KEEP_CHECKPOINTS = "keep-checkpoints";
    public static final String IMAGE_CACHE_MB = "image-cache-mb";
    public static final String LOCAL_STEPS = "local-steps";
    public static final String WIRE_PRECISION = "wire-precision";
    public static final String DRY_RUN = "dry-run";
    public static final String HELP = "help";

    public static final List<OptionSpec> ALL = List.of(
            OptionSpec.value(DATA, null,
                    "Image set root (file://, s3://, hdfs://): one folder per class. bin/train-local defaults to the bundled sample set."),
            OptionSpec.value(OUTPUT, null, "Where model.zip, labels.txt, metrics.jsonl and summary.json go (default runs/<timestamp>)."),
            OptionSpec.value(SLOTS, "1", "Training operators, one per GPU slot: the parallelism of train-round."),
            OptionSpec.value(BATCH_SIZE, "100", "Images per slot per round; the global batch is slots x batch-size."),
            OptionSpec.value(EPOCHS, "100", "Passes over the largest training shard."),
            OptionSpec.value(LR, "0.01", "SGD learning rate."),
            OptionSpec.value(MOMENTUM, "0.9", "SGD momentum (classic heavy-ball, as torch.optim.SGD)."),
            OptionSpec.value(LR_PATIENCE, "2", "ReduceLROnPlateau: epochs without validation-loss improvement before the rate drops."),
            OptionSpec.value(LR_FACTOR, "0.1", "ReduceLROnPlateau: factor the rate is multiplied by."),
            OptionSpec.value(RESIZE, "auto", "Shorter image side after resizing; auto is crop x 8/7 (256 for crop 224)."),
            OptionSpec.value(CROP, "224", "Side of the center crop fed to the network (32 and up)."),
            OptionSpec.value(SEED, "42", "Seed of the split, the shuffles and the weight initialisation."),
            OptionSpec.value(TRAIN_FRACTION, "0.8", "Fraction of the (sub)set used for training; the rest validates."),
            OptionSpec.value(SUBSET, "1.0", "Train on this random fraction of the image set."),
            OptionSpec.value(MODEL, "resnet50", "Network: resnet50 (torchvision's v1.5) or cnn-small (a tiny CNN for smoke tests)."),
            OptionSpec.value(CHUNK_FLOATS, "524288", "Floats per gradient chunk record (524288 = 2 MB)."),
            OptionSpec.value(CHECKPOINT_EVERY_ROUNDS, "0",
                    "Also checkpoint every N rounds (SGD steps), besides after every epoch; 0: after epochs only."),
            OptionSpec.value(KEEP_CHECKPOINTS, "3", "Complete checkpoints kept under <output>/checkpoints (the newest)."),
            OptionSpec.value(LOCAL_STEPS, "1",
                    "Minibatch steps each slot takes alone per round before the slots average parameters and momenta; 1 is exact DDP."),
            OptionSpec.value(IMAGE_CACHE_MB, "1024",
                    "Heap per slot for its decoded images (MB); the rest spill to a local file (0: all spill)."),
            OptionSpec.value(WIRE_PRECISION, "fp32", "Gradient values between slots: fp32, or bf16 (half the bytes, 8-bit mantissa; sums stay fp32)."),
            OptionSpec.flag(DRY_RUN, "List the data and the split, build the model, write summary.json; train nothing."),
            OptionSpec.flag(HELP, "Print this help and exit."));

    private JobOptions() {
    }

    /**
     * Merges defaults, then {@code fileValues}, then the command line (which wins).
     *
     * @throws InvalidSettingsException naming an unknown option or a missing value
     */
    public static Map<String, String> merge(Map<String, String> fileValues, String[] args) {
        Map<String, String> values = new LinkedHashMap<>();
        for (OptionSpec spec : ALL) {
            values.put(spec.name(), spec.defaultValue());
        }
        fileValues.forEach((key, value) -> values.put(known(key, "in the defaults file").name(), value.trim()));
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                throw new InvalidSettingsException("unexpected argument '" + arg + "': options look like --name value (see --help)");
            }
            String name = arg.substring(2);
            String inline = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                inline = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            OptionSpec spec = known(name, "on the command line");
            if (spec.flag()) {
                values.put(name, inline == null ? "true" : inline);
            } else if (inline != null) {
                values.put(name, inline);
            } else if (i + 1 < args.length) {
                values.put(name, args[++i]);
            } else {
                throw new InvalidSettingsException("option --" + name + " needs a value");
            }
        }
        return values;
    }

    private static OptionSpec known(String name, String where) {
        return ALL.stream().filter(spec -> spec.name().equals(name)).findFirst().orElseThrow(
                () -> new InvalidSettingsException("unknown option --" + name + " " + where + " (see --help)"));
    }

    /** The text {@code --help} prints: every option with its default. */
    public static String help(String command) {
        StringBuilder text = new StringBuilder("Usage: " + command + " [--option value ...]\n\nOptions:\n");
        for (OptionSpec spec : ALL) {
            String head = "  --" + spec.name() + (spec.flag() ? "" : " <value>");
            text.append(String.format("%-32s %s", head, spec.description()));
            if (!spec.flag() && spec.defaultValue() != null) {
                text.append(" [default: ").append(spec.defaultValue()).append(']');
            }
            text.append('\n');
        }
        return text.toString();
    }
}
