package io.flinkddp.gpucheck;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flinkddp.config.TrainingSettings;
import io.flinkddp.data.ImageFiles;
import io.flinkddp.data.ImageRef;
import io.flinkddp.data.SplitImage;
import io.flinkddp.functions.AssignSplit;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.apache.flink.api.common.functions.util.ListCollector;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code bin/export-split} ({@link ExportSplit}) gives the job's split and pixels. A tree of small PNGs (three class
 * folders, one with a nested folder, hidden and other files beside the images, and a file named .png that does not
 * decode), exported with a seed, holds in its training arrays exactly the images that the job's split function
 * ({@link AssignSplit}) assigns to training for that seed, in the split's order, and in its validation arrays those it
 * assigns to validation; each with its folder's label and the pixels the job decodes ({@link ImageFiles}, resized and
 * center-cropped to 32 px). The broken image is left out, as decode-images leaves it out; with {@code --subset} the
 * unused images are left out too. What was written reads back ({@link SplitArrays#read}).
 */
class ExportSplitTest {

    private static final List<String> CLASSES = List.of("cat", "dog", "eel");

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"1.0", "0.6"})
    void holdsTheImagesTheJobsSplitAssignsWithTheJobsPixels(String subset) throws Exception {
        Path data = dir.resolve("data");
        List<ImageRef> listed = tree(data);
        Path out = dir.resolve("out");
        TrainingSettings settings = TrainingSettings.parse(Map.of(), new String[] {"--data", data.toString(), "--output", out.toString(),
                "--crop", "32", "--seed", "5", "--slots", "2", "--subset", subset}, null, null);

        SplitArrays exported = ExportSplit.export(settings);

        List<SplitImage> job = new ArrayList<>();
        new AssignSplit(settings).reduce(listed, new ListCollector<>(job));
        job.sort(Comparator.comparingLong(image -> image.order));
        ImageFiles files = new ImageFiles(data.toString(), settings.resizePixels(), settings.cropPixels());
        int trained = 0;
        for (int role : new int[] {SplitImage.TRAIN, SplitImage.VALIDATION}) {
            SplitArrays.Part part = role == SplitImage.TRAIN ? exported.train() : exported.validation();
            List<SplitImage> expected = job.stream().filter(image -> image.role == role && !image.relativePath.endsWith("broken.png")).toList();
            assertEquals(expected.stream().map(image -> image.relativePath).toList(), part.paths(), "role " + role);
            for (int i = 0; i < part.size(); i++) {
                assertEquals(expected.get(i).label, part.labels()[i], part.paths().get(i));
                assertArrayEquals(files.decode(part.paths().get(i)).orElseThrow(), part.images().get(i), part.paths().get(i));
                assertEquals(32 * 32 * 3, part.images().get(i).length);
            }
            trained += part.size();
        }
        long unused = job.stream().filter(image -> image.role == SplitImage.UNUSED).count();
        boolean brokenUsed = job.stream().anyMatch(image -> image.relativePath.endsWith("broken.png") && image.role != SplitImage.UNUSED);
        assertEquals(listed.size() - unused - (brokenUsed ? 1 : 0), trained);
        assertEquals(subset.equals("1.0"), unused == 0, "the subset leaves images unused");
        assertTrue(exported.train().size() > 0 && exported.validation().size() > 0);

        SplitArrays back = SplitArrays.read(out);
        assertEquals(exported.train().paths(), back.train().paths());
        assertArrayEquals(exported.validation().labels(), back.validation().labels());
        for (int i = 0; i < back.train().size(); i++) {
            assertArrayEquals(exported.train().images().get(i), back.train().images().get(i));
        }
        assertEquals(5L, back.seed());
        assertEquals(32, back.side());
        assertEquals(3, back.classes());
        assertEquals(brokenUsed ? "1" : "0", back.property("skipped"));
        assertEquals("3", back.property("files-ignored"), "the hidden files and notes.txt");
        assertEquals("0\tcat\n1\tdog\n2\teel\n", Files.readString(out.resolve("labels.txt")));
    }

    /** Writes the image tree; returns its images as list-images lists them (the broken one included). */
    private static List<ImageRef> tree(Path data) throws Exception {
        Random random = new Random(3);
        List<ImageRef> images = new ArrayList<>();
        for (int label = 0; label < CLASSES.size(); label++) {
            for (int i = 0; i < 6; i++) {
                String path = CLASSES.get(label) + "/" + (label == 1 && i >= 4 ? "more/" : "") + "img-" + i + ".png";
                Path file = data.resolve(path);
                Files.createDirectories(file.getParent());
                BufferedImage image = new BufferedImage(40, 36, BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < image.getHeight(); y++) {
                    for (int x = 0; x < image.getWidth(); x++) {
                        image.setRGB(x, y, random.nextInt(1 << 24));
                    }
                }
                ImageIO.write(image, "png", file.toFile());
                images.add(new ImageRef(path, label));
            }
        }
        Files.writeString(data.resolve("eel/broken.png"), "not a png");
        images.add(new ImageRef("eel/broken.png", 2));
        Files.writeString(data.resolve("cat/notes.txt"), "not an image");
        Files.writeString(data.resolve("cat/.hidden.png"), "hidden");
        Files.writeString(data.resolve("dog/_skipped.png"), "hidden");
        Files.createDirectories(data.resolve(".git"));
        return images;
    }
}
