package io.flinkddp.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageCacheTest {

    private static final int BYTES = 32 * 32 * 3;

    @TempDir
    Path temp;

    @Test
    void keepsItsBudgetOnTheHeapAndReadsSpilledImagesBackIntact() throws Exception {
        byte[][] pixels = new byte[40][BYTES];
        Random random = new Random(3);
        try (ImageCache cache = new ImageCache(10L * BYTES, temp)) {
            for (int i = 0; i < pixels.length; i++) {
                random.nextBytes(pixels[i]);
                cache.add(image(i, pixels[i]));
            }
            assertEquals(40, cache.size());
            assertEquals(10L * BYTES, cache.heapBytes(), "the heap holds its budget, a quarter of the images");
            assertEquals(30L * BYTES, cache.spilledBytes());
            for (int i = pixels.length - 1; i >= 0; i--) {
                assertArrayEquals(pixels[i], cache.pixels(i), "image " + i);
                assertEquals(i % 3, cache.label(i));
                assertEquals(100 - i, cache.order(i));
            }
            try (Stream<Path> files = Files.list(temp)) {
                assertEquals(0, files.count(), "the spill file is unlinked while open");
            }
            assertThrows(IndexOutOfBoundsException.class, () -> cache.pixels(40));
        }
    }

    @Test
    void aZeroBudgetSpillsEverything() {
        try (ImageCache cache = new ImageCache(0, temp)) {
            byte[] pixels = new byte[BYTES];
            pixels[7] = 42;
            cache.add(image(0, pixels));
            assertEquals(0, cache.heapBytes());
            assertEquals(42, cache.pixels(0)[7]);
            assertTrue(cache.pixels(0) != pixels, "read back from disk");
        }
    }

    private static DecodedImage image(int i, byte[] pixels) {
        return new DecodedImage(new SplitImage("c/" + i + ".png", i % 3, SplitImage.TRAIN, 0, 100 - i), pixels);
    }
}
