package io.flinkddp.data.classindex;

import io.flinkddp.config.InvalidSettingsException;
import io.flinkddp.data.ClassLabels;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Labels class folders with the classes of a {@link ClassIndex}, as the seed's Python recipe does. In:
 * the index and the folder names (sorted). A folder {@code n02085620-Chihuahua} (or just {@code n02085620})
 * maps by its wnid when the index has wnids; otherwise by its name, the part after the wnid or the
 * whole folder name, with underscores as spaces, to the class one of whose comma-separated names it
 * equals, ignoring case and surrounding spaces. Out: the {@link ClassLabels}, with the index's class
 * count. A folder that maps to no class, to several, or to a class an earlier folder took makes one
 * {@link InvalidSettingsException} listing every such folder. Keeps nothing.
 */
final class FolderMapping {

    private static final Pattern WNID_FOLDER = Pattern.compile("(n\\d{8})(?:-(.+))?");

    private FolderMapping() {
    }

    static ClassLabels map(ClassIndex index, List<String> folders) {
        Map<String, List<Integer>> byName = new HashMap<>();
        Map<String, Integer> byWnid = new HashMap<>();
        for (int c = 0; c < index.size(); c++) {
            for (String synonym : index.name(c).split(",")) {
                String key = normal(synonym);
                List<Integer> classes = key.isEmpty() ? new ArrayList<>() : byName.computeIfAbsent(key, k -> new ArrayList<>());
                if (!classes.contains(c)) {
                    classes.add(c);
                }
            }
            int klass = c;
            index.wnid(c).ifPresent(wnid -> byWnid.put(wnid, klass));
        }
        int[] labels = new int[folders.size()];
        Map<Integer, String> takenBy = new HashMap<>();
        List<String> problems = new ArrayList<>();
        for (int f = 0; f < folders.size(); f++) {
            String folder = folders.get(f);
            Matcher wnidFolder = WNID_FOLDER.matcher(folder);
            List<Integer> classes;
            String none;
            if (index.hasWnids() && wnidFolder.matches()) {
                Integer c = byWnid.get(wnidFolder.group(1));
                classes = c == null ? List.of() : List.of(c);
                none = "no class with wnid " + wnidFolder.group(1);
            } else {
                String name = wnidFolder.matches() && wnidFolder.group(2) != null ? wnidFolder.group(2) : folder;
                classes = byName.getOrDefault(normal(name), List.of());
                none = "no class";
            }
            if (classes.isEmpty()) {
                problems.add(folder + " (" + none + ")");
            } else if (classes.size() > 1) {
                problems.add(folder + " (" + classes.size() + " classes: "
                        + classes.stream().map(c -> described(index, c)).collect(Collectors.joining(", ")) + ")");
            } else {
                int c = classes.get(0);
                String earlier = takenBy.putIfAbsent(c, folder);
                if (earlier != null) {
                    problems.add(folder + " (" + described(index, c) + ", already " + earlier + "'s)");
                }
                labels[f] = c;
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidSettingsException(ClassIndex.culprit(index.source()) + ": " + problems.size()
                    + (problems.size() == 1 ? " folder does" : " folders do") + " not map to one class: " + String.join(", ", problems));
        }
        return ClassLabels.mapped(folders, labels, index.size());
    }

    /** A name as the match compares it: underscores as spaces, runs of spaces as one, trimmed, lower case. */
    static String normal(String name) {
        return name.replace('_', ' ').replaceAll("\\s+", " ").strip().toLowerCase(Locale.ROOT);
    }

    private static String described(ClassIndex index, int c) {
        return c + " '" + ClassIndex.shorten(index.name(c)) + "'";
    }
}
