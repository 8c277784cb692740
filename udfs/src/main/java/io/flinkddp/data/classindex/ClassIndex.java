package io.flinkddp.data.classindex;

import io.flinkddp.config.InvalidSettingsException;
import io.flinkddp.config.TrainOptions;
import io.flinkddp.data.ClassLabels;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.core.fs.Path;

/**
 * {@code --class-index}: the classes of a pretrained classifier in index order, such as ImageNet-1k's.
 * In: a text file read through Flink's file systems ({@code file://}, {@code s3://}, ...), in one of
 * three formats told apart by its content: a Python dict literal {@code {0: 'tench, Tinca tinca', ...}}
 * ({@link PythonDictLiteral}), lines of {@code n01440764 tench, Tinca tinca} (a wnid, then the names), or
 * one class's names per line. Out: each index's names as written (comma-separated synonyms) and, from
 * the wnid format, its wnid; {@link #mapFolders} labels an image set's class folders with these indices.
 * A file that does not parse is an {@link InvalidSettingsException} naming the option, the file and
 * the line. Immutable; keeps the parsed names only.
 */
public final class ClassIndex {

    /** Larger than any class index needs (ImageNet-1k's dict is 30 KB); a bigger file is the wrong one. */
    static final int MAX_BYTES = 16 << 20;
    private static final Pattern WNID_LINE = Pattern.compile("(n\\d{8})\\s+(\\S.*)");

    private final String source;
    private final List<String> names;
    private final List<String> wnids;

    private ClassIndex(String source, List<String> names, List<String> wnids) {
        this.source = source;
        this.names = List.copyOf(names);
        this.wnids = List.copyOf(wnids);
    }

    /**
     * The class index at {@code uri}.
     *
     * @throws IOException if it cannot be read (the caller names the storage and the reason)
     */
    public static ClassIndex read(String uri) throws IOException {
        Path path = new Path(uri);
        byte[] bytes;
        try (InputStream in = path.getFileSystem().open(path)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        }
        if (bytes.length > MAX_BYTES) {
            throw new InvalidSettingsException(culprit(uri) + ": larger than " + (MAX_BYTES >> 20)
                    + " MB; a class index is a short text file of class names");
        }
        return parse(new String(bytes, StandardCharsets.UTF_8), uri);
    }

    /** The class index in {@code text}; {@code source} names it in messages. */
    public static ClassIndex parse(String text, String source) {
        String body = text.startsWith("\uFEFF") ? text.substring(1) : text;
        if (isDict(body)) {
            return new ClassIndex(source, PythonDictLiteral.parse(body, source), List.of());
        }
        List<String> lines = body.lines().toList();
        int last = lines.size() - 1;
        while (last >= 0 && lines.get(last).isBlank()) {
            last--;
        }
        if (last < 0) {
            throw new InvalidSettingsException(culprit(source) + ": the file is empty; expected one class per line, in index order");
        }
        boolean withWnids = WNID_LINE.matcher(lines.get(0).strip()).matches();
        List<String> names = new ArrayList<>();
        List<String> wnids = new ArrayList<>();
        Map<String, Integer> wnidLines = new HashMap<>();
        for (int i = 0; i <= last; i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                throw lineError(source, i, "a blank line, which would shift every later class; expected one class per line");
            }
            if (!withWnids) {
                names.add(line);
                continue;
            }
            Matcher m = WNID_LINE.matcher(line);
            if (!m.matches()) {
                throw lineError(source, i, "expected a wnid and the class's names ('n01440764 tench, Tinca tinca') as line 1 has,"
                        + " got '" + shorten(line) + "'");
            }
            Integer first = wnidLines.putIfAbsent(m.group(1), i + 1);
            if (first != null) {
                throw lineError(source, i, "wnid " + m.group(1) + " appears twice (first on line " + first + ")");
            }
            wnids.add(m.group(1));
            names.add(m.group(2).strip());
        }
        return new ClassIndex(source, names, wnids);
    }

    /**
     * The labels of {@code folders} (sorted by name) under this index, with its class count: see
     * {@link FolderMapping}.
     *
     * @throws InvalidSettingsException listing every folder that maps to no class, to several, or to another folder's
     */
    public ClassLabels mapFolders(List<String> folders) {
        return FolderMapping.map(this, folders);
    }

    public int size() {
        return names.size();
    }

    /** Class {@code index}'s names as the file writes them, e.g. "tench, Tinca tinca". */
    public String name(int index) {
        return names.get(index);
    }

    public boolean hasWnids() {
        return !wnids.isEmpty();
    }

    /** Class {@code index}'s wnid, if the file gives wnids. */
    public Optional<String> wnid(int index) {
        return hasWnids() ? Optional.of(wnids.get(index)) : Optional.empty();
    }

    /** Where the index was read from, as given. */
    public String source() {
        return source;
    }

    /** True if the first line that is neither blank nor a # comment starts with '{': a Python dict literal. */
    private static boolean isDict(String text) {
        return text.lines().map(String::strip).filter(line -> !line.isEmpty() && !line.startsWith("#")).findFirst()
                .map(line -> line.startsWith("{")).orElse(false);
    }

    /** "--class-index SOURCE", the start of every message about the file. */
    static String culprit(String source) {
        return "--" + TrainOptions.CLASS_INDEX.name() + " " + source;
    }

    private static InvalidSettingsException lineError(String source, int lineIndex, String what) {
        return new InvalidSettingsException(culprit(source) + " line " + (lineIndex + 1) + ": " + what);
    }

    static String shorten(String text) {
        return text.length() > 80 ? text.substring(0, 77) + "..." : text;
    }
}
