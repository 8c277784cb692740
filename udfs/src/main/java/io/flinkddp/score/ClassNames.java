package io.flinkddp.score;

import io.flinkddp.config.InvalidSettingsException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Class names in class-index order, from the text of a class-names file: either lines
 * {@code index<TAB>name[<TAB>...]} (as a run's labels.txt; further fields are ignored), every index
 * from 0 once, or one name per line, the line number being the index. Empty lines are skipped. A file
 * that is neither says which line and why, naming {@code source}.
 */
public final class ClassNames {

    private static final Pattern INDEXED = Pattern.compile("(\\d+)\\t([^\\t]+).*");

    private ClassNames() {
    }

    public static List<String> parse(String text, String source) {
        List<String> lines = text.lines().map(String::strip).filter(line -> !line.isEmpty()).toList();
        boolean indexed = !lines.isEmpty() && lines.stream().allMatch(line -> INDEXED.matcher(line).matches());
        if (!indexed) {
            return lines;
        }
        String[] names = new String[lines.size()];
        for (String line : lines) {
            Matcher m = INDEXED.matcher(line);
            m.matches();
            int index = Integer.parseInt(m.group(1));
            if (index >= names.length || names[index] != null) {
                throw new InvalidSettingsException(source + ": line '" + line + "': index " + index
                        + (index >= names.length ? " is not below the line count " + names.length : " appears twice"));
            }
            names[index] = m.group(2).strip();
        }
        return List.of(names);
    }

    /** The indices as names: "0", "1", ... */
    public static List<String> indices(int count) {
        List<String> names = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            names.add(String.valueOf(i));
        }
        return names;
    }
}
