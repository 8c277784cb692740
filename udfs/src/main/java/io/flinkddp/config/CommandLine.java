package io.flinkddp.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A command's options as text: merged from the defaults file ({@code job-defaults.properties} in the
 * Flink configuration directory) and the command line (which wins), and its {@code --help}, both
 * generated from the command's option declarations.
 */
public final class CommandLine {

    /** The defaults file, looked up in the Flink configuration directory. */
    public static final String DEFAULTS_FILE = "job-defaults.properties";

    private CommandLine() {
    }

    /** Option name to text from {@code confDir}'s {@link #DEFAULTS_FILE}; empty when there is no such directory or file. */
    public static Map<String, String> readDefaults(String confDir) throws IOException {
        Map<String, String> values = new HashMap<>();
        if (confDir == null) {
            return values;
        }
        Path file = Path.of(confDir, DEFAULTS_FILE);
        if (Files.isRegularFile(file)) {
            java.util.Properties properties = new java.util.Properties();
            try (InputStream in = Files.newInputStream(file)) {
                properties.load(in);
            }
            properties.stringPropertyNames().forEach(name -> values.put(name, properties.getProperty(name)));
        }
        return values;
    }

    /**
     * Option name to text: {@code fileValues}, then the command line. Options given nowhere are absent
     * (their declared defaults apply).
     *
     * @throws InvalidSettingsException naming an unknown option or a missing value
     */
    public static Map<String, String> merge(List<Option<?>> options, Map<String, String> fileValues, String[] args) {
        Map<String, String> values = new LinkedHashMap<>();
        fileValues.forEach((key, value) -> values.put(known(options, key, "in the defaults file").name(), value.trim()));
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
            Option<?> option = known(options, name, "on the command line");
            if (option.isFlag()) {
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

    /** True when the merged values ask for {@code --help}. */
    public static boolean wantsHelp(Map<String, String> values) {
        return CommonOptions.HELP.parse(values.get(CommonOptions.HELP.name()));
    }

    private static Option<?> known(List<Option<?>> options, String name, String where) {
        return options.stream().filter(option -> option.name().equals(name)).findFirst().orElseThrow(
                () -> new InvalidSettingsException("unknown option --" + name + " " + where + " (see --help)"));
    }

    /** The text {@code --help} prints: every option with its default. */
    public static String help(String command, List<Option<?>> options) {
        StringBuilder text = new StringBuilder("Usage: " + command + " [--option value ...]\n\nOptions:\n");
        for (Option<?> option : options) {
            String head = "  --" + option.name() + (option.isFlag() ? "" : " <value>");
            text.append(String.format("%-32s %s", head, option.description()));
            if (!option.isFlag() && option.defaultText() != null) {
                text.append(" [default: ").append(option.defaultText()).append(']');
            }
            text.append('\n');
        }
        return text.toString();
    }
}
