package io.flinkddp.data.classindex;

import io.flinkddp.config.InvalidSettingsException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads a Python dict literal of class index to class name, as {@code imagenet1000_clsidx_to_labels.txt}
 * has it: {@code {0: 'tench, Tinca tinca',\n 1: 'goldfish, Carassius auratus', ...}}. In: the text and
 * where it came from (for messages). Out: the names by index, which must run from 0 without a gap.
 * Keys are non-negative whole numbers; values are string literals in single or double quotes with
 * Python's escapes ({@code \'}, {@code \"}, {@code \\}, {@code \n}, {@code \t}, {@code \xhh}, {@code \\uhhhh}),
 * adjacent literals joined as Python joins them; {@code #} comments and a trailing comma are allowed.
 * Anything else stops with an {@link InvalidSettingsException} naming the option, the file and the
 * line. Keeps nothing.
 */
final class PythonDictLiteral {

    private final String text;
    private final String source;
    private int pos;
    private int line = 1;

    private PythonDictLiteral(String text, String source) {
        this.text = text;
        this.source = source;
    }

    static List<String> parse(String text, String source) {
        return new PythonDictLiteral(text, source).dict();
    }

    private List<String> dict() {
        skipSpace();
        expect('{', "a dict literal starting with '{'");
        Map<Integer, String> names = new TreeMap<>();
        Map<Integer, Integer> lines = new TreeMap<>();
        skipSpace();
        while (peek() != '}') {
            int keyLine = line;
            int key = key();
            skipSpace();
            expect(':', "':' after the class index " + key);
            skipSpace();
            StringBuilder name = new StringBuilder(string());
            skipSpace();
            while (peek() == '\'' || peek() == '"') {
                name.append(string());
                skipSpace();
            }
            if (names.containsKey(key)) {
                throw error(keyLine, "class " + key + " appears twice (first on line " + lines.get(key) + ")");
            }
            names.put(key, name.toString());
            lines.put(key, keyLine);
            if (peek() == ',') {
                pos++;
                skipSpace();
            } else if (peek() != '}') {
                throw error(line, "expected ',' or '}' after class " + key + "'s name");
            }
        }
        pos++;
        skipSpace();
        if (pos < text.length()) {
            throw error(line, "text after the dict's closing '}'");
        }
        if (names.isEmpty()) {
            throw error(line, "the dict has no classes");
        }
        List<String> byIndex = new ArrayList<>();
        for (Map.Entry<Integer, String> entry : names.entrySet()) {
            if (entry.getKey() != byIndex.size()) {
                throw new InvalidSettingsException(ClassIndex.culprit(source) + ": no class " + byIndex.size()
                        + " (the keys must run from 0 to " + (names.size() - 1) + ", the next is " + entry.getKey()
                        + " on line " + lines.get(entry.getKey()) + ")");
            }
            byIndex.add(entry.getValue());
        }
        return byIndex;
    }

    private int key() {
        int start = pos;
        while (pos < text.length() && Character.isDigit(text.charAt(pos)) && pos - start < 9) {
            pos++;
        }
        if (pos == start || (pos < text.length() && Character.isLetterOrDigit(text.charAt(pos)))) {
            throw error(line, "expected a class index (a whole number from 0)");
        }
        return Integer.parseInt(text.substring(start, pos));
    }

    private String string() {
        char quote = peek();
        if (quote != '\'' && quote != '"') {
            throw error(line, "expected a class name in quotes");
        }
        if (text.startsWith(String.valueOf(quote).repeat(3), pos)) {
            throw error(line, "a triple-quoted string; write each name in single or double quotes");
        }
        int startLine = line;
        StringBuilder value = new StringBuilder();
        pos++;
        while (true) {
            if (pos >= text.length() || text.charAt(pos) == '\n') {
                throw error(startLine, "a class name whose quote (" + quote + ") is not closed on its line");
            }
            char c = text.charAt(pos++);
            if (c == quote) {
                return value.toString();
            }
            if (c == '\\') {
                escape(value);
            } else {
                value.append(c);
            }
        }
    }

    /** After a backslash: Python's meaning of the escape; an unknown one stays as written, as Python keeps it. */
    private void escape(StringBuilder value) {
        if (pos >= text.length()) {
            return;
        }
        char c = text.charAt(pos++);
        switch (c) {
            case '\n' -> line++;  // a backslash-newline continues the literal
            case '\\', '\'', '"' -> value.append(c);
            case 'n' -> value.append('\n');
            case 't' -> value.append('\t');
            case 'r' -> value.append('\r');
            case 'x' -> value.append(hex(2));
            case 'u' -> value.append(hex(4));
            default -> value.append('\\').append(c);
        }
    }

    private char hex(int digits) {
        if (pos + digits > text.length()) {
            throw error(line, "a \\x or \\u escape without its " + digits + " hex digits");
        }
        try {
            char c = (char) Integer.parseInt(text.substring(pos, pos + digits), 16);
            pos += digits;
            return c;
        } catch (NumberFormatException e) {
            throw error(line, "a \\x or \\u escape without its " + digits + " hex digits");
        }
    }

    /** Skips white space and comments, counting lines. */
    private void skipSpace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == '#') {
                while (pos < text.length() && text.charAt(pos) != '\n') {
                    pos++;
                }
            } else if (Character.isWhitespace(c)) {
                if (c == '\n') {
                    line++;
                }
                pos++;
            } else {
                return;
            }
        }
    }

    private char peek() {
        return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private void expect(char c, String what) {
        if (peek() != c) {
            throw error(line, "expected " + what);
        }
        pos++;
    }

    /** "--class-index SOURCE line N: WHAT, at 'THE LINE'". */
    private InvalidSettingsException error(int lineNumber, String what) {
        String[] lines = text.split("\n", -1);
        String shown = lineNumber <= lines.length ? lines[lineNumber - 1].strip() : "";
        shown = shown.length() > 80 ? shown.substring(0, 77) + "..." : shown;
        String at = pos >= text.length() ? "at the end of the file" : "in '" + shown + "'";
        return new InvalidSettingsException(ClassIndex.culprit(source) + " line " + lineNumber + ": " + what + ", " + at);
    }
}
