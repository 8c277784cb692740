package io.flinkddp.config;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The settings of predict or evaluate: a value for each option of the command's list
 * ({@link ScoringOptions#PREDICT} or {@link ScoringOptions#EVALUATE}), immutable, validated once with
 * messages naming the option. Resize and crop not given take the model's ({@link #fromOptions});
 * an option outside the command's list has its declared default.
 */
public final class ScoringSettings implements ScoringOptions, Serializable {

    private static final long serialVersionUID = 1L;

    /** Option name to value for every option of the command, in its order. */
    private final Map<String, Object> values;

    private ScoringSettings(Map<String, Object> values) {
        this.values = Collections.unmodifiableMap(values);
        if (resizePixels() < cropPixels()) {
            throw new InvalidSettingsException("--" + RESIZE.name() + " must be at least --crop (" + cropPixels() + "), got "
                    + resizePixels());
        }
    }

    /**
     * The settings of option texts merged by {@link CommandLine#merge} for {@code options}. Without
     * {@code --crop} the crop is {@code modelCrop}; without {@code --resize} the resize is
     * {@code modelResize}, or crop x 8/7 when {@code --crop} alone was given (the model's resize was for its own crop).
     */
    public static ScoringSettings fromOptions(List<Option<?>> options, Map<String, String> texts, int modelResize, int modelCrop) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (Option<?> option : options) {
            values.put(option.name(), option.parse(texts.get(option.name())));
        }
        boolean cropGiven = texts.get(CROP.name()) != null;
        if (!cropGiven) {
            values.put(CROP.name(), modelCrop);
        }
        if (texts.get(RESIZE.name()) == null) {
            values.put(RESIZE.name(), cropGiven ? AUTO : modelResize);
        }
        for (Option<?> option : options) {
            validate(option, values.get(option.name()));
        }
        values.put(RESIZE.name(), CommonOptions.resolveAutoResize((Integer) values.get(RESIZE.name()), (Integer) values.get(CROP.name())));
        return new ScoringSettings(values);
    }

    /** The option's text as the command line or defaults file gave it, its default if none: to find the model before the settings. */
    public static <T> T given(Option<T> option, Map<String, String> texts) {
        return option.validate(option.parse(texts.get(option.name())));
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T get(Option<T> option) {
        return values.containsKey(option.name()) ? (T) values.get(option.name()) : option.defaultValue();
    }

    /** The settings as option name to value, for summary.json. */
    public Map<String, Object> asOptionMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        values.forEach((name, value) -> {
            if (!name.equals(HELP.name())) {
                map.put(name, value);
            }
        });
        return map;
    }

    @SuppressWarnings("unchecked")
    private static <T> void validate(Option<T> option, Object value) {
        option.validate((T) value);
    }

    @Override
    public String toString() {
        return "ScoringSettings" + asOptionMap();
    }
}
