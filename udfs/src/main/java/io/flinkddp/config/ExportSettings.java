package io.flinkddp.config;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The settings of export: a value for each option of {@link ExportOptions#EXPORT}, immutable,
 * validated once with messages naming the option ({@code --output} must end as {@code --format}
 * writes: .pth or .pt, or .onnx).
 */
public final class ExportSettings implements ExportOptions, Serializable {

    private static final long serialVersionUID = 1L;

    /** Option name to value for every option of the command, in its order. */
    private final Map<String, Object> values;

    private ExportSettings(Map<String, Object> values) {
        this.values = Collections.unmodifiableMap(values);
        List<String> extensions = ExportOptions.extensions(format());
        String name = output().toLowerCase(Locale.ROOT);
        if (extensions.stream().noneMatch(name::endsWith)) {
            throw new InvalidSettingsException("--" + OUTPUT.name() + " must end in " + String.join(" or ", extensions)
                    + " for --" + FORMAT.name() + " " + format() + ", got " + output());
        }
    }

    /** The settings of option texts merged by {@link CommandLine#merge} for {@link #EXPORT}. */
    public static ExportSettings fromOptions(Map<String, String> texts) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (Option<?> option : EXPORT) {
            Object value = option.parse(texts.get(option.name()));
            validate(option, value);
            values.put(option.name(), value);
        }
        return new ExportSettings(values);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T get(Option<T> option) {
        return values.containsKey(option.name()) ? (T) values.get(option.name()) : option.defaultValue();
    }

    @SuppressWarnings("unchecked")
    private static <T> void validate(Option<T> option, Object value) {
        option.validate((T) value);
    }

    @Override
    public String toString() {
        return "ExportSettings" + values;
    }
}
