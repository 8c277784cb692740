package io.flinkddp.config;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One option of a command, declared once: its name (without the dashes), description, type (the
 * parser of its text), default, validator, and whether it shapes training (a checkpoint written with
 * another value is refused). Help, parsing, the defaults file, validation, the settings in
 * {@code summary.json} and the checkpoint check all read these declarations, grouped in
 * {@link CommonOptions}, {@link TrainOptions} and {@link ScoringOptions}. Immutable; {@link #check},
 * {@link #describedAs} and {@link #shapingTraining} return a new declaration.
 *
 * <p>{@code Option<Integer> SLOTS = Option.integer("slots", "Training operators ...", 1).check(atLeast(1), "must be at least 1");}
 */
public final class Option<T> {

    private final String name;
    private final String description;
    private final T defaultValue;
    private final String defaultText;
    private final Function<String, T> parser;
    private final String kind;
    private final Predicate<T> valid;
    private final String rule;
    private final boolean flag;
    private final boolean shapesTraining;

    private Option(String name, String description, T defaultValue, String defaultText, Function<String, T> parser, String kind,
                   Predicate<T> valid, String rule, boolean flag, boolean shapesTraining) {
        this.name = name;
        this.description = description;
        this.defaultValue = defaultValue;
        this.defaultText = defaultText;
        this.parser = parser;
        this.kind = kind;
        this.valid = valid;
        this.rule = rule;
        this.flag = flag;
        this.shapesTraining = shapesTraining;
    }

    public static Option<Integer> integer(String name, String description, Integer defaultValue) {
        return new Option<>(name, description, defaultValue, String.valueOf(defaultValue), Integer::valueOf, "a whole number",
                v -> true, null, false, false);
    }

    public static Option<Long> whole(String name, String description, Long defaultValue) {
        return new Option<>(name, description, defaultValue, String.valueOf(defaultValue), Long::valueOf, "a whole number",
                v -> true, null, false, false);
    }

    public static Option<Double> number(String name, String description, Double defaultValue) {
        return new Option<>(name, description, defaultValue, String.valueOf(defaultValue), Double::valueOf, "a number",
                v -> true, null, false, false);
    }

    /** A text option; a null default means the command supplies one (or none). */
    public static Option<String> text(String name, String description, String defaultValue) {
        return new Option<>(name, description, defaultValue, defaultValue, Function.identity(), "text", v -> true, null, false, false);
    }

    /** An option whose value is one of {@code choices}, as their texts; the default is the first. */
    public static Option<String> choice(String name, String description, String... choices) {
        String rule = "must be " + String.join(" or ", choices);
        return new Option<>(name, description, choices[0], choices[0], Function.identity(), "text",
                v -> Arrays.asList(choices).contains(v), rule, false, false);
    }

    /** An option of a custom type: {@code parser} turns text into a value or throws naming the option. */
    public static <T> Option<T> of(String name, String description, T defaultValue, String defaultText, Function<String, T> parser) {
        return new Option<>(name, description, defaultValue, defaultText, parser, "a value", v -> true, null, false, false);
    }

    /** A switch: {@code --name} alone means true. */
    public static Option<Boolean> flag(String name, String description) {
        return new Option<>(name, description, false, "false", Option::parseBoolean, "true or false", v -> true, null, true, false);
    }

    /** The same option, valid only where {@code ok} holds; {@code rule} completes "--name ...". */
    public Option<T> check(Predicate<T> ok, String rule) {
        return new Option<>(name, description, defaultValue, defaultText, parser, kind, ok, rule, flag, shapesTraining);
    }

    /**
     * The same option (same name, parser, default value and rule) described for another command: its
     * help text and the default as the help shows it ({@code defaultText}, null for none).
     */
    public Option<T> describedAs(String otherDescription, String otherDefaultText) {
        return new Option<>(name, otherDescription, defaultValue, otherDefaultText, parser, kind, valid, rule, flag, shapesTraining);
    }

    /** The same option, marked as shaping training: a checkpoint resumes only a run with the same value. */
    public Option<T> shapingTraining() {
        return new Option<>(name, description, defaultValue, defaultText, parser, kind, valid, rule, flag, true);
    }

    /** {@code text} as a value of this option, or an {@link InvalidSettingsException} naming it. */
    public T parse(String text) {
        if (text == null) {
            return defaultValue;
        }
        try {
            return parser.apply(text.trim());
        } catch (InvalidSettingsException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingsException("--" + name + " must be " + kind + ", got '" + text + "'");
        }
    }

    /** Throws an {@link InvalidSettingsException} naming the option if {@code value} breaks its rule. */
    public T validate(T value) {
        if (rule != null && (value == null || !valid.test(value))) {
            throw new InvalidSettingsException("--" + name + " " + rule + ", got " + value);
        }
        return value;
    }

    public String name() {
        return name;
    }

    public String description() {
        return description;
    }

    public T defaultValue() {
        return defaultValue;
    }

    /** The default as the help shows it; null when the command supplies it. */
    public String defaultText() {
        return defaultText;
    }

    public boolean isFlag() {
        return flag;
    }

    public boolean shapesTraining() {
        return shapesTraining;
    }

    private static Boolean parseBoolean(String text) {
        if (!text.equals("true") && !text.equals("false")) {
            throw new IllegalArgumentException(text);
        }
        return Boolean.valueOf(text);
    }

    @Override
    public String toString() {
        return "--" + name;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Option<?> option && option.name.equals(name);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name);
    }

    /** Validators used by the declarations. */
    public static Predicate<Integer> atLeast(int min) {
        return v -> v >= min;
    }
}
