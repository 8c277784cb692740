package io.flinkddp.job.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flinkddp.output.Curves;
import io.flinkddp.train.EpochMetrics;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/plot-runs}: it reads {@code metrics.jsonl} back as a run wrote it, draws two runs in one picture,
 * and refuses a run without metrics and bad arguments.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PlotRunsTest {

    @TempDir
    Path temp;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int plot(String... args) {
        return PlotRuns.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private Path run(String name, double lrAtEpoch3) throws IOException {
        Path dir = Files.createDirectories(temp.resolve(name));
        Files.writeString(dir.resolve("metrics.jsonl"), String.join("\n",
                "{\"epoch\":1,\"train_loss\":7.47,\"train_top1\":0.2,\"val_loss\":6885.2,\"val_top1\":0.11,\"val_top5\":0.5,\"lr\":0.01,"
                        + "\"images_per_second\":30.6,\"seconds\":26.1}",
                "{\"epoch\":2,\"train_loss\":6.83,\"train_top1\":0.32,\"val_loss\":4.74,\"val_top1\":0.385,\"val_top5\":0.88,\"lr\":0.01,"
                        + "\"images_per_second\":32.0,\"seconds\":25.0}",
                "{\"epoch\":3,\"train_loss\":5.10,\"train_top1\":0.41,\"val_loss\":6.41,\"val_top1\":0.56,\"val_top5\":0.945,\"lr\":"
                        + lrAtEpoch3 + ",\"images_per_second\":30.8,\"seconds\":26.0}", ""));
        return dir;
    }

    @Test
    void readsMetricsJsonlBackAsWritten() throws IOException {
        List<EpochMetrics> epochs = PlotRuns.read(run("a", 0.001));
        assertEquals(3, epochs.size());
        assertEquals(new EpochMetrics(2, 6.83, 0.32, 4.74, 0.385, 0.88, 0.01, 32.0, 25.0), epochs.get(1));
        assertEquals(List.of(new Curves.LearningRateDrop(3, 0.01, 0.001)), Curves.learningRateDrops(epochs));
    }

    @Test
    void drawsTwoRunsInOnePicture() throws IOException {
        Path a = run("a", 0.01);
        Path b = run("b", 0.001);
        Path picture = temp.resolve("out/compare.png");
        assertEquals(0, plot(a.toString(), b + "/", "--output", picture.toString(), "--title", "a against b"), err.toString());
        BufferedImage image = ImageIO.read(picture.toFile());
        assertEquals(Curves.WIDTH, image.getWidth());
        assertEquals(Curves.HEIGHT, image.getHeight());
        assertTrue(out.toString().contains("2 runs"), out.toString());
        try (var files = Files.list(picture.getParent())) {
            assertEquals(List.of(picture), files.toList());
        }
    }

    @Test
    void refusesARunWithoutMetricsAndBadArguments() throws IOException {
        Path empty = Files.createDirectories(temp.resolve("empty"));
        Path picture = temp.resolve("compare.png");
        assertEquals(2, plot(run("a", 0.01).toString(), empty.toString(), "--output", picture.toString()));
        assertTrue(err.toString().contains("cannot read the metrics of " + empty), err.toString());
        assertFalse(Files.exists(picture));
        assertEquals(2, plot());
        assertEquals(2, plot("--outptu", "x.png"));
        assertEquals(2, plot(run("c", 0.01).toString(), "--output"));
    }
}
