package io.flinkddp.score;

import io.flinkddp.data.classindex.ClassIndex;
import io.flinkddp.config.InvalidSettingsException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * Class names in class-index order, from the text of a class-names file: either lines
 * {@code index<TAB>name[<TAB>...]} (as a run's labels.txt; further fields are ignored), each index below
 * the model's class count at most once (a run trained with {@code --class-index} names only its folders'
 * indices: the others are named by their index), or any format {@code --class-index} reads (the seed's
 * {@code imagenet1000_clsidx_to_labels.txt}, {@code wnid names} lines, one name per line). Empty lines
 * are skipped. A file that is neither says which line and why, naming {@code source}.
 */
public final class ClassNames {

    private static final Pattern INDEXED = Pattern.compile("(\\d+)\\t([^\\t]+).*");

    private ClassNames() {
    }

    public static List<String> parse(String text, String source, int classCount) {
        List<String> lines = text.lines().map(String::strip).filter(line -> !line.isEmpty()).toList();
        boolean indexed = !lines.isEmpty() && lines.stream().allMatch(line -> INDEXED.matcher(line).matches());
        if (!indexed) {
            ClassIndex index = ClassIndex.parse(text, source);
            return IntStream.range(0, index.size()).mapToObj(index::name).toList();
        }
        String[] names = new String[classCount];
        for (String line : lines) {
            Matcher m = INDEXED.matcher(line);
            m.matches();
            int index = Integer.parseInt(m.group(1));
            if (index >= classCount || names[index] != null) {
                throw new InvalidSettingsException(source + ": line '" + line + "': index " + index
                        + (index >= classCount ? " is not below the model's class count " + classCount : " appears twice"));
            }
            names[index] = m.group(2).strip();
        }
        for (int i = 0; i < classCount; i++) {
            names[i] = names[i] == null ? String.valueOf(i) : names[i];
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
