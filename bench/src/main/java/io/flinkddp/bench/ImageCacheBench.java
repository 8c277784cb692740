package io.flinkddp.bench;

import io.flinkddp.data.DecodedImage;
import io.flinkddp.data.ImageCache;
import io.flinkddp.data.SplitImage;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;

/**
 * The decoded-image cache of a slot holding 4x its heap budget: 224 px images (150,528 bytes each)
 * added until they fill 4x the budget; prints the bytes on the heap and in the spill file, and the
 * rate of random reads (what a training epoch does), against reads of the same images from the heap.
 *
 * <p>Usage: ImageCacheBench BUDGET_MB SPILL_DIR
 */
public final class ImageCacheBench {

    public static void main(String[] args) {
        long budget = Long.parseLong(args[0]) * 1024 * 1024;
        int bytes = 224 * 224 * 3;
        int count = (int) (4 * budget / bytes);
        Random random = new Random(5);
        byte[] template = new byte[bytes];
        random.nextBytes(template);
        try (ImageCache cache = new ImageCache(budget, Path.of(args[1]))) {
            for (int i = 0; i < count; i++) {
                byte[] pixels = template.clone();
                pixels[0] = (byte) i;
                cache.add(new DecodedImage(new SplitImage("c/" + i, 0, SplitImage.TRAIN, 0, i), pixels));
            }
            int inHeap = (int) (cache.heapBytes() / bytes);
            double spilledRate = readRate(cache, inHeap, count, random);
            double heapRate = readRate(cache, 0, inHeap, random);
            System.out.printf(Locale.ROOT, "cache images=%d pixels_mb=%.0f budget_mb=%.0f heap_mb=%.0f spilled_mb=%.0f heap_share=%.2f"
                            + " spilled_reads_per_s=%.0f heap_reads_per_s=%.0f%n",
                    count, (double) count * bytes / 1048576, budget / 1048576.0, cache.heapBytes() / 1048576.0,
                    cache.spilledBytes() / 1048576.0, (double) cache.heapBytes() / ((double) count * bytes), spilledRate, heapRate);
        }
    }

    private static double readRate(ImageCache cache, int from, int to, Random random) {
        int reads = 5000;
        long sum = 0;
        long start = System.nanoTime();
        for (int i = 0; i < reads; i++) {
            sum += cache.pixels(from + random.nextInt(to - from))[0];
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (sum == Long.MIN_VALUE) {
            System.out.println();
        }
        return reads / seconds;
    }
}
