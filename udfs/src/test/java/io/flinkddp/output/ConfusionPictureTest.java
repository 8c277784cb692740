package io.flinkddp.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flinkddp.score.Evaluation;
import io.flinkddp.score.ScoredImage;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ConfusionPictureTest {

    private static ScoredImage scored(int label, int predicted) {
        return new ScoredImage("x.png", label, new int[] {predicted}, new float[] {0.9f}, 0.1, label == predicted ? 0 : 1);
    }

    @Test
    void drawsTheClassesThatOccurAsAReadableHeatMap() throws Exception {
        List<String> names = IntStream.range(0, 1000).mapToObj(i -> "class " + i).toList();
        Evaluation evaluation = new Evaluation(names);
        for (int i = 0; i < 7; i++) {
            evaluation.add(scored(151, 151));
        }
        evaluation.add(scored(151, 230));
        evaluation.add(scored(230, 230));
        evaluation.add(scored(230, 999));
        assertEquals(List.of(151, 230, 999), ConfusionPicture.shownClasses(evaluation, 1000), "true and predicted classes only");
        byte[] png = ConfusionPicture.png(evaluation, names).orElseThrow();
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertTrue(image.getWidth() >= 480 && image.getHeight() >= 480, image.getWidth() + "x" + image.getHeight());
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 3) {
            for (int x = 0; x < image.getWidth(); x += 3) {
                colours.add(image.getRGB(x, y));
            }
        }
        assertTrue(colours.size() > 20, "a drawn matrix, not a blank image: " + colours.size() + " colours");
    }

    @Test
    void tooManyClassesGiveNoPicture() {
        List<String> names = IntStream.range(0, 100).mapToObj(String::valueOf).toList();
        Evaluation evaluation = new Evaluation(names);
        IntStream.range(0, 50).forEach(c -> evaluation.add(scored(c, c)));
        assertTrue(ConfusionPicture.png(evaluation, names).isEmpty());
    }
}
