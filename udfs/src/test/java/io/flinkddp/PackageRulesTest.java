package io.flinkddp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The packages of {@code udfs} depend on each other in one direction only: reading the imports (and
 * fully qualified names) of the main sources, the graph of top-level packages ({@code model.kernels}
 * counts as {@code model}) has no cycle. So {@code model} never reaches up into {@code train},
 * {@code data} into {@code functions}, {@code output} and {@code score} into each other both ways, and
 * orchestration ({@code session}) sits above {@code train} and {@code output}.
 */
class PackageRulesTest {

    private static final Pattern PACKAGE = Pattern.compile("^package io\\.flinkddp\\.(\\w+)", Pattern.MULTILINE);
    private static final Pattern USE = Pattern.compile("(?<![\\w.])io\\.flinkddp\\.(\\w+)(?:\\.[a-z]\\w*)*\\.[A-Z]");
    private static final Pattern COMMENT = Pattern.compile("/\\*.*?\\*/|//[^\\n]*", Pattern.DOTALL);

    @Test
    void topLevelPackagesFormNoCycle() throws IOException {
        Map<String, Set<String>> uses = uses(Path.of("src/main/java/io/flinkddp"));
        assertTrue(uses.keySet().containsAll(List.of("model", "train", "session", "output", "score", "data", "functions")), uses.keySet().toString());
        List<String> cycle = cycle(uses);
        assertEquals(List.of(), cycle, "a package cycle: " + String.join(" -> ", cycle) + " (" + uses + ")");
    }

    @Test
    void theCheckSeesACycle() {
        Map<String, Set<String>> uses = new TreeMap<>(Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a")));
        assertEquals(List.of("a", "b", "c", "a"), cycle(uses));
    }

    private static Map<String, Set<String>> uses(Path root) throws IOException {
        Map<String, Set<String>> uses = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String source = COMMENT.matcher(Files.readString(file)).replaceAll("");
                Matcher own = PACKAGE.matcher(source);
                if (!own.find()) {
                    continue;
                }
                Set<String> targets = uses.computeIfAbsent(own.group(1), k -> new TreeSet<>());
                Matcher use = USE.matcher(source.substring(own.end()));
                while (use.find()) {
                    if (!use.group(1).equals(own.group(1))) {
                        targets.add(use.group(1));
                    }
                }
            }
        }
        return uses;
    }

    /** A cycle as the packages along it (first = last), or an empty list. */
    private static List<String> cycle(Map<String, Set<String>> uses) {
        for (String start : uses.keySet()) {
            List<String> path = new ArrayList<>(List.of(start));
            if (search(uses, start, path, new TreeSet<>())) {
                return path;
            }
        }
        return List.of();
    }

    private static boolean search(Map<String, Set<String>> uses, String start, List<String> path, Set<String> seen) {
        String at = path.get(path.size() - 1);
        for (String next : uses.getOrDefault(at, Set.of())) {
            path.add(next);
            if (next.equals(start) || seen.add(next) && search(uses, start, path, seen)) {
                return true;
            }
            path.remove(path.size() - 1);
        }
        return false;
    }
}
