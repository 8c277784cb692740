package io.flinkddp.data.classindex;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flinkddp.config.InvalidSettingsException;
import java.io.FileNotFoundException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The three formats of {@code --class-index}, told apart by content, and the lines they refuse. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ClassIndexTest {

    @TempDir
    Path dir;

    private static List<String> names(ClassIndex index) {
        return IntStream.range(0, index.size()).mapToObj(index::name).toList();
    }

    private static String error(String text) {
        return assertThrows(InvalidSettingsException.class, () -> ClassIndex.parse(text, "idx.txt")).getMessage();
    }

    @Test
    void theSeedsDictWithBothQuotesAndApostrophes() {
        String seed = "{0: 'tench, Tinca tinca',\n 1: 'goldfish, Carassius auratus',\n 2: \"potter's wheel\",\n"
                + " 3: 'jack-o\\'-lantern',\n 4: 'say \"cheese\", \\\\ backslash',\n 5: 'caf\\xe9' 'au lait'}\n";
        ClassIndex index = ClassIndex.parse(seed, "idx.txt");
        assertEquals(List.of("tench, Tinca tinca", "goldfish, Carassius auratus", "potter's wheel", "jack-o'-lantern",
                "say \"cheese\", \\ backslash", "café" + "au lait"), names(index));
        assertFalse(index.hasWnids());
        assertEquals(Optional.empty(), index.wnid(0));
    }

    @Test
    void aDictMayHaveCommentsATrailingCommaAndKeysOutOfOrder() {
        ClassIndex index = ClassIndex.parse("\uFEFF# ImageNet, first two\n{1: 'goldfish',  # comment\n 0: 'tench',\n}", "idx.txt");
        assertEquals(List.of("tench", "goldfish"), names(index));
    }

    @Test
    void aDictThatDoesNotParseNamesItsLine() {
        assertEquals("--class-index idx.txt line 2: expected a class name in quotes, in '1: goldfish,'",
                error("{0: 'tench',\n 1: goldfish,\n 2: 'x'}"));
        assertEquals("--class-index idx.txt line 3: a class name whose quote (') is not closed on its line, in '2: 'great white shark,'",
                error("{0: 'tench',\n 1: 'goldfish',\n 2: 'great white shark,\n 3: 'x'}"));
        assertEquals("--class-index idx.txt line 2: expected ',' or '}' after class 0's name, in '1: 'goldfish'}'",
                error("{0: 'tench'\n 1: 'goldfish'}"));
        assertEquals("--class-index idx.txt line 3: class 1 appears twice (first on line 2), in '1: 'goldfish'}'",
                error("{0: 'tench',\n 1: 'carp',\n 1: 'goldfish'}"));
        assertEquals("--class-index idx.txt line 1: expected a class index (a whole number from 0), in '{'0': 'tench'}'",
                error("{'0': 'tench'}"));
        assertEquals("--class-index idx.txt: no class 1 (the keys must run from 0 to 1, the next is 2 on line 2)",
                error("{0: 'tench',\n 2: 'goldfish'}"));
        assertEquals("--class-index idx.txt line 1: expected ',' or '}' after class 0's name, at the end of the file",
                error("{0: 'tench'"));
        assertEquals("--class-index idx.txt line 2: text after the dict's closing '}', in 'print(1)'", error("{0: 'tench'}\nprint(1)"));
    }

    @Test
    void oneNamePerLine() {
        ClassIndex index = ClassIndex.parse("tench, Tinca tinca\r\ngoldfish\r\n  great white shark  \n\n", "idx.txt");
        assertEquals(List.of("tench, Tinca tinca", "goldfish", "great white shark"), names(index));
        assertFalse(index.hasWnids());
        assertEquals("--class-index idx.txt line 2: a blank line, which would shift every later class; expected one class per line",
                error("tench\n\ngoldfish\n"));
        assertEquals("--class-index idx.txt: the file is empty; expected one class per line, in index order", error("\n \n"));
    }

    @Test
    void aWnidAndTheNamesPerLine() {
        ClassIndex index = ClassIndex.parse("n01440764 tench, Tinca tinca\nn01443537\tgoldfish, Carassius auratus\n", "idx.txt");
        assertEquals(List.of("tench, Tinca tinca", "goldfish, Carassius auratus"), names(index));
        assertTrue(index.hasWnids());
        assertEquals(Optional.of("n01443537"), index.wnid(1));
        assertEquals("--class-index idx.txt line 2: expected a wnid and the class's names ('n01440764 tench, Tinca tinca') as line 1"
                + " has, got 'goldfish'", error("n01440764 tench\ngoldfish\n"));
        assertEquals("--class-index idx.txt line 2: wnid n01440764 appears twice (first on line 1)",
                error("n01440764 tench\nn01440764 goldfish\n"));
    }

    @Test
    void readsThroughFlinksFileSystems() throws Exception {
        Path file = dir.resolve("imagenet.txt");
        Files.writeString(file, "{0: 'tench', 1: 'goldfish'}", StandardCharsets.UTF_8);
        ClassIndex index = ClassIndex.read(file.toUri().toString());
        assertEquals(List.of("tench", "goldfish"), names(index));
        assertEquals(file.toUri().toString(), index.source());
        assertThrows(FileNotFoundException.class, () -> ClassIndex.read(dir.resolve("missing.txt").toUri().toString()));
    }
}
