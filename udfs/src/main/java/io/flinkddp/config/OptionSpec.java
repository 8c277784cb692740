package io.flinkddp.config;

/**
 * One command-line option: its name (without the leading dashes), its default as text
 * (null when it has none), and the help text. {@link JobOptions#ALL} lists every option once.
 */
public record OptionSpec(String name, String defaultValue, String description, boolean flag) {

    public static OptionSpec value(String name, String defaultValue, String description) {
        return new OptionSpec(name, defaultValue, description, false);
    }

    public static OptionSpec flag(String name, String description) {
        return new OptionSpec(name, "false", description, true);
    }
}
