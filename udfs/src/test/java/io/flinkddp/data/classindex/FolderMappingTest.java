package io.flinkddp.data.classindex;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import io.flinkddp.config.InvalidSettingsException;
import io.flinkddp.data.ClassLabels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Class folders labelled by a {@code --class-index}: by name (the part after the wnid, underscores as spaces,
 * any case, one of the comma-separated names), by wnid where the index has them, and one error listing every
 * folder that does not map to exactly one class of its own. The last test reads torchvision's 1000 ImageNet
 * names (Debian's python3-torchvision under /usr/bin/python3) in the seed's dict format and as lines, and maps
 * Stanford Dogs folders to them.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class FolderMappingTest {

    private static final String PYTHON = "/usr/bin/python3";

    @TempDir
    Path dir;

    private static final ClassIndex DOGS = ClassIndex.parse("tench, Tinca tinca\nChihuahua\nJapanese spaniel\n"
            + "Shetland sheepdog, Shetland sheep dog, Shetland\ncollie\n", "dogs.txt");

    @Test
    void aFolderMapsByTheNameAfterItsWnidToOneOfAClasssNames() {
        ClassLabels labels = DOGS.mapFolders(List.of("collie", "n02085620-Chihuahua", "n02105855-shetland_SHEEP_dog"));
        assertArrayEquals(new int[] {4, 1, 3}, labels.labels());
        assertEquals(5, labels.numClasses(), "the index's class count, not the folders'");
        assertEquals("1\tn02085620-Chihuahua\n3\tn02105855-shetland_SHEEP_dog\n4\tcollie\n", labels.labelLines(),
                "labels.txt is in index order");
        assertEquals(List.of("collie"), labels.emptyFolders(new long[] {0, 7, 0, 2, 0}));
    }

    @Test
    void everyFolderThatMapsToNoClassOrSeveralIsInOneError() {
        ClassIndex index = ClassIndex.parse("Chihuahua\nShetland sheepdog, Shetland sheep dog, Shetland\nShetland sheepdog, sheltie\n",
                "imagenet.txt");
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class,
                () -> index.mapFolders(List.of("n02085620-Chihuahua", "n02099999-Foo", "n02105855-Shetland_sheepdog")));
        assertEquals("--class-index imagenet.txt: 2 folders do not map to one class: n02099999-Foo (no class),"
                + " n02105855-Shetland_sheepdog (2 classes: 1 'Shetland sheepdog, Shetland sheep dog, Shetland',"
                + " 2 'Shetland sheepdog, sheltie')", e.getMessage());
    }

    @Test
    void twoFoldersOfOneClassAreRefused() {
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class,
                () -> DOGS.mapFolders(List.of("Chihuahua", "n02085620-chihuahua")));
        assertEquals("--class-index dogs.txt: 1 folder does not map to one class: n02085620-chihuahua (1 'Chihuahua',"
                + " already Chihuahua's)", e.getMessage());
    }

    @Test
    void whereTheIndexHasWnidsAFolderMapsByItsWnid() {
        String lines = "n02012849 crane\nn03126707 crane\nn02085620 Chihuahua\n";
        ClassLabels labels = ClassIndex.parse(lines, "wnids.txt").mapFolders(List.of("n02012849-crane", "n02085620", "n03126707-crane"));
        assertArrayEquals(new int[] {0, 2, 1}, labels.labels());
        assertEquals(3, labels.numClasses());

        ClassIndex namesOnly = ClassIndex.parse("crane\ncrane\nChihuahua\n", "names.txt");
        assertEquals("--class-index names.txt: 2 folders do not map to one class: n02012849-crane (2 classes: 0 'crane', 1 'crane'),"
                + " n03126707-crane (2 classes: 0 'crane', 1 'crane')",
                assertThrows(InvalidSettingsException.class, () -> namesOnly.mapFolders(List.of("n02012849-crane", "n03126707-crane")))
                        .getMessage(), "without wnids the same folders are ambiguous");
        assertEquals("--class-index wnids.txt: 1 folder does not map to one class: n09999999-Chihuahua (no class with wnid n09999999)",
                assertThrows(InvalidSettingsException.class,
                        () -> ClassIndex.parse(lines, "wnids.txt").mapFolders(List.of("n02012849-crane", "n09999999-Chihuahua")))
                        .getMessage(), "a wnid the index lacks does not fall back to the name");
    }

    @Test
    void torchvisionsImageNetNamesAsTheSeedsDictAndAsLines() throws Exception {
        Path dict = dir.resolve("imagenet1000_clsidx_to_labels.txt");
        Path lines = dir.resolve("imagenet_classes.txt");
        Path log = dir.resolve("python.log");
        String script = "import sys\nfrom torchvision.models._meta import _IMAGENET_CATEGORIES as c\n"
                + "open(sys.argv[1], 'w').write('{' + ',\\n '.join(f'{i}: {n!r}' for i, n in enumerate(c)) + '}')\n"
                + "open(sys.argv[2], 'w').write(''.join(n + '\\n' for n in c))\n";
        Process p = new ProcessBuilder(PYTHON, "-c", script, dict.toString(), lines.toString()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!p.waitFor(50, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            fail(PYTHON + " could not write torchvision's ImageNet names (install Debian's python3-torchvision): "
                    + Files.readString(log, StandardCharsets.UTF_8));
        }
        ClassIndex fromDict = ClassIndex.read(dict.toUri().toString());
        ClassIndex fromLines = ClassIndex.read(lines.toUri().toString());
        assertEquals(1000, fromDict.size());
        for (int c = 0; c < 1000; c++) {
            assertEquals(fromLines.name(c), fromDict.name(c), "class " + c);
        }
        assertEquals("potter's wheel", fromDict.name(739), "Python writes it in double quotes");

        List<String> folders = List.of("n02085620-Chihuahua", "n02085782-Japanese_spaniel", "n02105855-Shetland_sheepdog",
                "n02110185-Siberian_husky");
        ClassLabels labels = fromDict.mapFolders(folders);
        assertEquals(1000, labels.numClasses());
        assertArrayEquals(new int[] {151, 152, 230, 250}, labels.labels());
    }
}
