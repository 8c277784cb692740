package io.flinkddp.config;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The job's settings: immutable, validated once in the constructor with messages that name the
 * option. Built by {@link #fromOptions} from {@link JobOptions}; Flink functions receive it in their
 * constructor and never read options, properties or the environment themselves.
 */
public record TrainingSettings(
        String data,
        String output,
        int slots,
        int batchSizePerSlot,
        int epochs,
        double learningRate,
        double momentum,
        int lrPatienceEpochs,
        double lrFactor,
        int resizePixels,
        int cropPixels,
        long seed,
        double trainFraction,
        double subsetFraction,
        String model,
        int gradientChunkFloats,
        int checkpointEveryRounds,
        int keepCheckpoints,
        int imageCacheMb,
        int localSteps,
        WirePrecision wirePrecision,
        boolean dryRun) implements Serializable {

    public static final String RESNET50 = "resnet50";
    public static final String CNN_SMALL = "cnn-small";

    public TrainingSettings {
        require(data != null && !data.isBlank(), JobOptions.DATA, "is required", data);
        require(output != null && !output.isBlank(), JobOptions.OUTPUT, "is required", output);
        require(slots >= 1, JobOptions.SLOTS, "must be at least 1", slots);
        require(batchSizePerSlot >= 1, JobOptions.BATCH_SIZE, "must be at least 1", batchSizePerSlot);
        require(epochs >= 1, JobOptions.EPOCHS, "must be at least 1", epochs);
        require(learningRate > 0 && Double.isFinite(learningRate), JobOptions.LR, "must be a positive number", learningRate);
        require(momentum >= 0 && momentum < 1, JobOptions.MOMENTUM, "must be in [0, 1)", momentum);
        require(lrPatienceEpochs >= 0, JobOptions.LR_PATIENCE, "must be at least 0", lrPatienceEpochs);
        require(lrFactor > 0 && lrFactor < 1, JobOptions.LR_FACTOR, "must be in (0, 1)", lrFactor);
        require(cropPixels >= 32, JobOptions.CROP, "must be at least 32", cropPixels);
        require(resizePixels >= cropPixels, JobOptions.RESIZE, "must be at least --crop (" + cropPixels + ")", resizePixels);
        require(trainFraction > 0 && trainFraction < 1, JobOptions.TRAIN_FRACTION, "must be in (0, 1)", trainFraction);
        require(subsetFraction > 0 && subsetFraction <= 1, JobOptions.SUBSET, "must be in (0, 1]", subsetFraction);
        require(RESNET50.equals(model) || CNN_SMALL.equals(model), JobOptions.MODEL,
                "must be " + RESNET50 + " or " + CNN_SMALL, model);
        require(gradientChunkFloats >= 1024 && gradientChunkFloats <= (1 << 20), JobOptions.CHUNK_FLOATS,
                "must be in [1024, 1048576]", gradientChunkFloats);
        require(checkpointEveryRounds >= 0, JobOptions.CHECKPOINT_EVERY_ROUNDS, "must be at least 0", checkpointEveryRounds);
        require(keepCheckpoints >= 1, JobOptions.KEEP_CHECKPOINTS, "must be at least 1", keepCheckpoints);
        require(localSteps >= 1, JobOptions.LOCAL_STEPS, "must be at least 1", localSteps);
        require(imageCacheMb >= 0, JobOptions.IMAGE_CACHE_MB, "must be at least 0", imageCacheMb);
        require(wirePrecision != null, JobOptions.WIRE_PRECISION, "is required", wirePrecision);
    }

    /** Builds the settings from merged option values ({@link JobOptions#merge}). */
    public static TrainingSettings fromOptions(Map<String, String> values, String defaultData, String defaultOutput) {
        int crop = parseInt(values, JobOptions.CROP);
        String resize = values.get(JobOptions.RESIZE);
        int resizePixels = "auto".equals(resize) ? (int) Math.round(crop * 8.0 / 7.0) : parseInt(values, JobOptions.RESIZE);
        return new TrainingSettings(
                orDefault(values.get(JobOptions.DATA), defaultData),
                orDefault(values.get(JobOptions.OUTPUT), defaultOutput),
                parseInt(values, JobOptions.SLOTS),
                parseInt(values, JobOptions.BATCH_SIZE),
                parseInt(values, JobOptions.EPOCHS),
                parseDouble(values, JobOptions.LR),
                parseDouble(values, JobOptions.MOMENTUM),
                parseInt(values, JobOptions.LR_PATIENCE),
                parseDouble(values, JobOptions.LR_FACTOR),
                resizePixels,
                crop,
                parseLong(values, JobOptions.SEED),
                parseDouble(values, JobOptions.TRAIN_FRACTION),
                parseDouble(values, JobOptions.SUBSET),
                values.get(JobOptions.MODEL),
                parseInt(values, JobOptions.CHUNK_FLOATS),
                parseInt(values, JobOptions.CHECKPOINT_EVERY_ROUNDS),
                parseInt(values, JobOptions.KEEP_CHECKPOINTS),
                parseInt(values, JobOptions.IMAGE_CACHE_MB),
                parseInt(values, JobOptions.LOCAL_STEPS),
                WirePrecision.of(raw(values, JobOptions.WIRE_PRECISION)),
                parseBoolean(values, JobOptions.DRY_RUN));
    }

    /** The settings as option name to value, for summary.json. */
    public Map<String, Object> asOptionMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put(JobOptions.DATA, data);
        map.put(JobOptions.OUTPUT, output);
        map.put(JobOptions.SLOTS, slots);
        map.put(JobOptions.BATCH_SIZE, batchSizePerSlot);
        map.put(JobOptions.EPOCHS, epochs);
        map.put(JobOptions.LR, learningRate);
        map.put(JobOptions.MOMENTUM, momentum);
        map.put(JobOptions.LR_PATIENCE, lrPatienceEpochs);
        map.put(JobOptions.LR_FACTOR, lrFactor);
        map.put(JobOptions.RESIZE, resizePixels);
        map.put(JobOptions.CROP, cropPixels);
        map.put(JobOptions.SEED, seed);
        map.put(JobOptions.TRAIN_FRACTION, trainFraction);
        map.put(JobOptions.SUBSET, subsetFraction);
        map.put(JobOptions.MODEL, model);
        map.put(JobOptions.CHUNK_FLOATS, gradientChunkFloats);
        map.put(JobOptions.CHECKPOINT_EVERY_ROUNDS, checkpointEveryRounds);
        map.put(JobOptions.KEEP_CHECKPOINTS, keepCheckpoints);
        map.put(JobOptions.IMAGE_CACHE_MB, imageCacheMb);
        map.put(JobOptions.LOCAL_STEPS, localSteps);
        map.put(JobOptions.WIRE_PRECISION, wirePrecision.optionValue());
        map.put(JobOptions.DRY_RUN, dryRun);
        return map;
    }

    /**
     * The options that shape the trained model, as text: a checkpoint resumes only a run with the same
     * values. Not among them: where data and outputs live, the epoch count (it may grow), the chunking
     * of gradients and how often checkpoints are taken.
     */
    public Map<String, String> trainingShape() {
        Map<String, Object> all = asOptionMap();
        Map<String, String> shape = new LinkedHashMap<>();
        for (String option : java.util.List.of(JobOptions.SLOTS, JobOptions.BATCH_SIZE, JobOptions.LR, JobOptions.MOMENTUM,
                JobOptions.LR_PATIENCE, JobOptions.LR_FACTOR, JobOptions.RESIZE, JobOptions.CROP, JobOptions.SEED,
                JobOptions.TRAIN_FRACTION, JobOptions.SUBSET, JobOptions.MODEL, JobOptions.LOCAL_STEPS,
                JobOptions.WIRE_PRECISION)) {
            shape.put(option, String.valueOf(all.get(option)));
        }
        return shape;
    }

    private static void require(boolean ok, String option, String rule, Object value) {
        if (!ok) {
            throw new InvalidSettingsException("--" + option + " " + rule + ", got " + value);
        }
    }

    private static String orDefault(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value;
    }

    private static String raw(Map<String, String> values, String option) {
        String value = values.get(option);
        if (value == null) {
            throw new InvalidSettingsException("--" + option + " needs a value");
        }
        return value.trim();
    }

    private static int parseInt(Map<String, String> values, String option) {
        return parse(values, option, Integer::parseInt, "a whole number");
    }

    private static long parseLong(Map<String, String> values, String option) {
        return parse(values, option, Long::parseLong, "a whole number");
    }

    private static double parseDouble(Map<String, String> values, String option) {
        return parse(values, option, Double::parseDouble, "a number");
    }

    private static <T> T parse(Map<String, String> values, String option, Function<String, T> parser, String kind) {
        try {
            return parser.apply(raw(values, option));
        } catch (NumberFormatException e) {
            throw new InvalidSettingsException("--" + option + " must be " + kind + ", got '" + values.get(option) + "'");
        }
    }

    private static boolean parseBoolean(Map<String, String> values, String option) {
        String value = raw(values, option);
        if (!value.equals("true") && !value.equals("false")) {
            throw new InvalidSettingsException("--" + option + " must be true or false, got '" + value + "'");
        }
        return Boolean.parseBoolean(value);
    }
}
