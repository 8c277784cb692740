package io.flinkddp.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flinkddp.train.EpochMetrics;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code curves.png}: a PNG that decodes, of the expected size, and not blank (more than 50 colours); a drop in
 * the learning rate is marked at the first epoch of the lower rate, and the marker changes the picture; one
 * epoch and non-finite values still draw; several runs share the panels (as {@code bin/plot-runs} draws them),
 * even under one name.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CurvesTest {

    private static EpochMetrics epoch(int epoch, double trainLoss, double valLoss, double valTop1, double lr) {
        return new EpochMetrics(epoch, trainLoss, 0.1 * epoch, valLoss, valTop1, Math.min(1, valTop1 + 0.3), lr, 30, 26);
    }

    static final List<EpochMetrics> HISTORY = List.of(
            epoch(1, 7.47, 6885.2, 0.11, 0.01),
            epoch(2, 6.83, 4.74, 0.385, 0.01),
            epoch(3, 5.10, 6.41, 0.56, 0.001),
            epoch(4, 3.20, 2.10, 0.62, 0.001),
            epoch(5, 2.10, 1.90, 0.66, 0.0001));

    @Test
    void drawsAReadablePngOfTheExpectedSize() throws IOException {
        byte[] png = Curves.png("run-1", HISTORY);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertEquals(Curves.WIDTH, image.getWidth());
        assertEquals(Curves.HEIGHT, image.getHeight());
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 3) {
            for (int x = 0; x < image.getWidth(); x += 3) {
                colours.add(image.getRGB(x, y));
            }
        }
        assertTrue(colours.size() > 50, "only " + colours.size() + " colours: a blank picture");
        assertTrue(png.length < 200_000, png.length + " bytes");
        String keep = System.getProperty("curves.test.output");
        if (keep != null) {
            Files.write(Path.of(keep), png);
        }
    }

    @Test
    void aDropInTheLearningRateIsMarkedAtTheFirstEpochOfTheLowerRate() {
        List<Curves.LearningRateDrop> drops = Curves.learningRateDrops(HISTORY);
        assertEquals(List.of(new Curves.LearningRateDrop(3, 0.01, 0.001), new Curves.LearningRateDrop(5, 0.001, 0.0001)), drops);
        assertEquals(List.of(), Curves.learningRateDrops(HISTORY.subList(0, 2)));
        assertEquals(List.of(), Curves.learningRateDrops(List.of()));
    }

    @Test
    void theMarkerChangesThePicture() throws IOException {
        List<EpochMetrics> steady = HISTORY.stream()
                .map(m -> new EpochMetrics(m.epoch(), m.trainLoss(), m.trainTop1(), m.valLoss(), m.valTop1(), m.valTop5(), 0.01,
                        m.imagesPerSecond(), m.seconds()))
                .toList();
        BufferedImage marked = ImageIO.read(new ByteArrayInputStream(Curves.png("", HISTORY)));
        BufferedImage unmarked = ImageIO.read(new ByteArrayInputStream(Curves.png("", steady)));
        int differing = 0;
        for (int y = 0; y < marked.getHeight(); y++) {
            for (int x = 0; x < marked.getWidth(); x++) {
                differing += marked.getRGB(x, y) != unmarked.getRGB(x, y) ? 1 : 0;
            }
        }
        assertTrue(differing > 200, differing + " pixels differ");
    }

    @Test
    void oneEpochAndNonFiniteValuesStillDraw() throws IOException {
        byte[] png = Curves.png("", List.of(new EpochMetrics(1, Double.NaN, 0.1, Double.POSITIVE_INFINITY, 0.2, 0.5, 0.01, 30, 26)));
        assertEquals(Curves.WIDTH, ImageIO.read(new ByteArrayInputStream(png)).getWidth());
        byte[] empty = Curves.png("", List.of());
        assertEquals(Curves.HEIGHT, ImageIO.read(new ByteArrayInputStream(empty)).getHeight());
    }

    @Test
    void severalRunsShareThePanelsEvenUnderOneName() throws IOException {
        byte[] png = Curves.compare("compare", List.of(new Curves.Run("a", HISTORY), new Curves.Run("b", HISTORY.subList(0, 3)),
                new Curves.Run("a", HISTORY.subList(1, 4))));
        assertEquals(Curves.WIDTH, ImageIO.read(new ByteArrayInputStream(png)).getWidth());
    }
}
