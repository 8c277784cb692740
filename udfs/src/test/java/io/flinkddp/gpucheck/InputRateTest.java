package io.flinkddp.gpucheck;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flinkddp.data.DecodedImage;
import io.flinkddp.data.ImageCache;
import io.flinkddp.data.SplitImage;
import io.flinkddp.train.TrainingShard;
import java.io.File;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The input-rate check measures what a slot does: its minibatches are {@link TrainingShard}'s (the same cached
 * arrays, the same labels), its staging buffers end holding whole cached images, its default slot counts
 * include 1 and 8 on 16 cores, and it runs with our classes and JavaCPP alone, as on the GPU machine.
 */
class InputRateTest {

    @TempDir
    Path spill;

    @Test
    void minibatchesAreTrainingShards() {
        List<DecodedImage> images = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            images.add(new DecodedImage(new SplitImage("c/" + i, i % 4, SplitImage.VALIDATION, 0, i), new byte[] {(byte) i, 1, 2}));
        }
        ImageCache cache = new ImageCache(1 << 20, spill);
        images.forEach(cache::add);
        try (TrainingShard shard = new TrainingShard(images, 1 << 20, spill, 0, 0)) {
            TrainingShard.Minibatch expected = shard.validation(1, 5);
            InputRate.Batch batch = InputRate.Slots.minibatch(cache, new int[] {0, 1, 2, 3, 4, 5}, 1, 5);
            assertEquals(expected.pixels().size(), batch.pixels().size());
            for (int i = 0; i < batch.pixels().size(); i++) {
                assertSame(expected.pixels().get(i), batch.pixels().get(i), "image " + i);
            }
            assertArrayEquals(expected.labels(), batch.labels());
        }
    }

    @Test
    void stagingBuffersHoldWholeCachedImages() throws Exception {
        int imageBytes = 3 * 8 * 8;
        try (InputRate.Slots slots = new InputRate.Slots(2, 10, 4, imageBytes, false)) {
            InputRate.Rates rates = slots.run(2, 0.05);
            assertTrue(rates.slowest() > 0);
            Set<Integer> marks = new HashSet<>();
            for (int slot = 0; slot < 2; slot++) {
                BytePointer buffer = slots.buffer(slot);
                for (int image = 0; image < 4; image++) {
                    int first = buffer.get((long) image * imageBytes);
                    assertEquals(first, buffer.get((long) (image + 1) * imageBytes - 1), "one image's first and last bytes carry its index");
                    marks.add(slot * 100 + first);
                }
            }
            assertEquals(8, marks.size(), "four different images per slot");
        }
    }

    @Test
    void slotCounts() {
        assertEquals(List.of(1, 2, 4, 8, 16), InputRate.defaultSlotCounts(16));
        assertEquals(List.of(1, 2, 4, 6), InputRate.defaultSlotCounts(6));
        assertEquals(List.of(1), InputRate.defaultSlotCounts(1));
    }

    @Test
    void runsWithOurClassesAndJavacppAlone() throws Exception {
        String natives = "org/bytedeco/javacpp/" + Loader.getPlatform() + "/" + System.mapLibraryName("jnijavacpp");
        URL nativeJar = Loader.class.getClassLoader().getResource(natives);
        String classPath = String.join(File.pathSeparator, location(InputRate.class.getProtectionDomain().getCodeSource().getLocation()),
                location(Loader.class.getProtectionDomain().getCodeSource().getLocation()),
                location(new URL(nativeJar.getPath().substring(0, nativeJar.getPath().indexOf("!/")))));
        Process java = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", classPath,
                InputRate.class.getName(), "--slots", "1", "--seconds", "0.05", "--images-per-slot", "8", "--batch", "4", "--side", "8")
                .redirectErrorStream(true).start();
        String output = new String(java.getInputStream().readAllBytes());
        assertTrue(java.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, java.exitValue(), output);
        assertTrue(output.contains("1 slot(s) keep up"), output);
    }

    private static String location(URL url) throws Exception {
        return Path.of(url.toURI()).toString();
    }
}
