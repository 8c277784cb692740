package io.flinkddp.bench;

import io.flinkddp.model.gpu.ImageStaging;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;

/**
 * Ways to copy a minibatch of cached images into native staging memory, on one thread: {@code put}
 * ({@link ImageStaging}: one JavaCPP bulk put per image, what the GPU engine does), {@code buffer} (an absolute
 * bulk put per image into a {@code ByteBuffer} view of the same memory) and {@code memcpy} ({@code Pointer.memcpy}
 * from native copies of the images: the bound if the cache kept its images off the heap; heap arrays cannot be a
 * memcpy's source). 1,000 images of 224 px (150 MB), batches of 100 in a shuffled order, the methods interleaved
 * for {@code --rounds}. Prints {@code staging-copy METHOD IMAGES_PER_WALL_SECOND IMAGES_PER_CPU_SECOND} per run.
 *
 * <p>Usage: StagingCopyBench [--rounds 3] [--seconds 1]
 */
public final class StagingCopyBench {

    private static final int BYTES = 224 * 224 * 3;
    private static final int IMAGES = 1000;
    private static final int BATCH = 100;

    public static void main(String[] args) {
        int rounds = 3;
        double seconds = 1;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                case "--seconds" -> seconds = Double.parseDouble(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Random random = new Random(3);
        byte[] template = new byte[BYTES];
        random.nextBytes(template);
        List<byte[]> images = new ArrayList<>();
        for (int i = 0; i < IMAGES; i++) {
            byte[] pixels = template.clone();
            pixels[0] = (byte) i;
            images.add(pixels);
        }
        int[] order = random.ints(IMAGES * 10L, 0, IMAGES).toArray();
        try (BytePointer staging = new BytePointer((long) BATCH * BYTES);
             BytePointer nativeImages = new BytePointer((long) IMAGES * BYTES)) {
            ImageStaging.copy(images, BYTES, nativeImages);
            ByteBuffer view = staging.asByteBuffer();
            for (int round = 0; round <= rounds; round++) {
                for (String method : List.of("put", "buffer", "memcpy")) {
                    double[] rate = loop(round == 0 ? 0.3 : seconds, batch -> {
                        List<byte[]> minibatch = new ArrayList<>(BATCH);
                        for (int i = 0; i < BATCH; i++) {
                            minibatch.add(images.get(order[(batch * BATCH + i) % order.length]));
                        }
                        switch (method) {
                            case "put" -> ImageStaging.copy(minibatch, BYTES, staging);
                            case "buffer" -> {
                                for (int i = 0; i < BATCH; i++) {
                                    view.put(i * BYTES, minibatch.get(i), 0, BYTES);
                                }
                            }
                            default -> {
                                for (int i = 0; i < BATCH; i++) {
                                    long source = (long) order[(batch * BATCH + i) % order.length] * BYTES;
                                    Pointer.memcpy(staging.position((long) i * BYTES), nativeImages.position(source), BYTES);
                                }
                                staging.position(0);
                                nativeImages.position(0);
                            }
                        }
                    });
                    if (round > 0) {
                        System.out.printf(Locale.ROOT, "staging-copy %s %.0f %.0f%n", method, rate[0], rate[1]);
                    }
                }
            }
        }
    }

    /** Images per wall second and per CPU second of this thread, copying batch after batch for {@code seconds}. */
    private static double[] loop(double seconds, java.util.function.IntConsumer copyBatch) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpuStart = threads.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        int batches = 0;
        while (System.nanoTime() < end) {
            copyBatch.accept(batches++);
        }
        double wall = (System.nanoTime() - start) / 1e9;
        double cpu = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e9;
        return new double[] {(double) batches * BATCH / wall, (double) batches * BATCH / cpu};
    }
}
