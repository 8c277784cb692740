package io.flinkddp.config;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training command's settings: a value for each of its {@link #OPTIONS} (the {@link CommonOptions}
 * and {@link TrainOptions} declarations), immutable, validated once in the constructor with messages
 * that name the option. Typed getters come from the option groups. Flink functions receive it in their
 * constructor and never read options, properties or the environment themselves.
 */
public final class TrainingSettings implements TrainOptions, Serializable {

    private static final long serialVersionUID = 2L;

    /** Every option of the training command, in the order {@code --help} lists them. */
    public static final List<Option<?>> OPTIONS = concat(COMMON, TRAINING, List.of(HELP));

    /** Option name to value (Integer, Long, Double, String, Boolean or WirePrecision), for every option. */
    private final Map<String, Object> values;

    private TrainingSettings(Map<String, Object> values) {
        this.values = Collections.unmodifiableMap(values);
        if (resizePixels() < cropPixels()) {
            throw new InvalidSettingsException("--" + RESIZE.name() + " must be at least --crop (" + cropPixels() + "), got "
                    + resizePixels());
        }
        if (localSteps() > 1 && accumulate() > 1) {
            throw new InvalidSettingsException("--" + ACCUMULATE.name() + " and --" + LOCAL_STEPS.name() + " do not combine, got "
                    + accumulate() + " and " + localSteps() + ": choose one");
        }
        if (device().equals(DEVICE_GPU) && !model().equals(RESNET50)) {
            throw new InvalidSettingsException("--" + DEVICE.name() + " gpu needs --" + MODEL.name() + " " + RESNET50 + ", got " + model()
                    + ": the GPU engine runs convolutions without bias (resnet50's)");
        }
        if (!freeze().equals(NONE) && !model().equals(RESNET50)) {
            throw new InvalidSettingsException("--" + FREEZE.name() + " " + freeze() + " needs --" + MODEL.name() + " " + RESNET50
                    + ", got " + model());
        }
    }

    /**
     * The settings of option texts merged by {@link CommandLine#merge}; options given nowhere take their
     * declared default, and {@code --data} and {@code --output} the defaults the caller supplies.
     */
    public static TrainingSettings fromOptions(Map<String, String> texts, String defaultData, String defaultOutput) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (Option<?> option : OPTIONS) {
            values.put(option.name(), parsed(option, texts.get(option.name())));
        }
        if (values.get(DATA.name()) == null) {
            values.put(DATA.name(), defaultData);
        }
        if (values.get(OUTPUT.name()) == null) {
            values.put(OUTPUT.name(), defaultOutput);
        }
        for (Option<?> option : OPTIONS) {
            validate(option, values.get(option.name()));
        }
        values.put(RESIZE.name(), CommonOptions.resolveAutoResize((Integer) values.get(RESIZE.name()), (Integer) values.get(CROP.name())));
        return new TrainingSettings(values);
    }

    /** Merges the defaults file and the command line ({@link CommandLine#merge}) and builds the settings. */
    public static TrainingSettings parse(Map<String, String> fileValues, String[] args, String defaultData, String defaultOutput) {
        return fromOptions(CommandLine.merge(OPTIONS, fileValues, args), defaultData, defaultOutput);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T get(Option<T> option) {
        if (!values.containsKey(option.name())) {
            throw new IllegalArgumentException(option + " is not an option of the training command");
        }
        return (T) values.get(option.name());
    }

    /** The settings as option name to value, for summary.json (enums as their option text). */
    public Map<String, Object> asOptionMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        for (Option<?> option : OPTIONS) {
            if (option != HELP) {
                Object value = values.get(option.name());
                map.put(option.name(), value instanceof Enum<?> ? value.toString() : value);
            }
        }
        return map;
    }

    /**
     * The options that shape the trained model ({@link Option#shapesTraining}), as text: a checkpoint
     * resumes only a run with the same values. Not among them: where data and outputs live, the epoch
     * count (it may grow), the chunking of gradients and how often checkpoints are taken.
     */
    public Map<String, String> trainingShape() {
        Map<String, String> shape = new LinkedHashMap<>();
        for (Option<?> option : OPTIONS) {
            if (option.shapesTraining()) {
                shape.put(option.name(), String.valueOf(values.get(option.name())));
            }
        }
        return shape;
    }

    private static <T> T parsed(Option<T> option, String text) {
        return option.parse(text);
    }

    @SuppressWarnings("unchecked")
    private static <T> void validate(Option<T> option, Object value) {
        option.validate((T) value);
    }

    @SafeVarargs
    private static List<Option<?>> concat(List<Option<?>>... groups) {
        List<Option<?>> all = new ArrayList<>();
        for (List<Option<?>> group : groups) {
            all.addAll(group);
        }
        return List.copyOf(all);
    }

    @Override
    public String toString() {
        return "TrainingSettings" + asOptionMap();
    }
}
