package io.flinkddp.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flinkddp.output.Curves;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slot 0 rewrites curves.png under --output after every epoch, by rename, next to metrics.jsonl; every
 * slot's secondsLeft gauge is known once a step is applied, and 0 at the end.
 */
class SessionCurvesTest {

    @TempDir
    Path temp;

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void eachClosedEpochRewritesTheCurves() throws IOException {
        Path output = temp.resolve("run");
        Lockstep run = new Lockstep(Lockstep.settings(output.toUri().toString(), 2, 4, 2), Lockstep.images(2, 8), false);
        Path curves = output.resolve(Curves.FILE);
        run.round();
        assertTrue(Double.isNaN(run.progress.get(0).secondsLeft), "nothing applied, nothing known");
        while (run.slots.get(0).history().isEmpty()) {
            run.round();
            assertEquals(run.slots.get(0).history().isEmpty(), !Files.exists(curves));
            for (TrainingProgress slot : run.progress) {
                assertTrue(slot.secondsLeft > 0, "seconds left " + slot.secondsLeft);
            }
        }
        byte[] first = Files.readAllBytes(curves);
        run.runToEnd();
        assertEquals(0.0, run.progress.get(1).secondsLeft);
        assertTrue(!java.util.Arrays.equals(first, Files.readAllBytes(curves)), "curves.png not rewritten after epoch 2");
        BufferedImage image = ImageIO.read(curves.toFile());
        assertNotNull(image);
        assertEquals(Curves.WIDTH, image.getWidth());
        try (Stream<Path> files = Files.list(output)) {
            assertEquals(0, files.filter(p -> p.getFileName().toString().contains("inprogress")).count());
        }
    }
}
