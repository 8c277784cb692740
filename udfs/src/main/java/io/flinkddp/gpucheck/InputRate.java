package io.flinkddp.gpucheck;

import static org.bytedeco.cuda.global.cudart.cudaFreeHost;
import static org.bytedeco.cuda.global.cudart.cudaMallocHost;

import io.flinkddp.data.DecodedImage;
import io.flinkddp.data.ImageCache;
import io.flinkddp.data.SplitImage;
import io.flinkddp.model.gpu.ImageStaging;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.stream.IntStream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;

/**
 * Whether a training slot's host side keeps up with a GPU at 5,000 images/s: S slots at once, each a
 * thread with its own {@link ImageCache} (filled with {@code --images-per-slot} generated 224 px uint8 images,
 * 150 MB by default, more than a CPU's cache) and its own native staging buffer, each repeatedly taking the next minibatch of
 * {@code --batch} images in an epoch's shuffled order and copying it into the buffer with {@link ImageStaging},
 * as {@code CudaOps.uploadImages} does before its one copy to the GPU. A minibatch is built as
 * {@code TrainingShard} builds one (the cached arrays themselves in a list, and their labels); the class is
 * not used because it does not load without commons-math (its shuffle), and this check runs on the GPU machine
 * with our classes and JavaCPP alone. The buffer is plain native memory, or page-locked memory from
 * {@code cudaMallocHost} with {@code --pinned} (a GPU and the CUDA presets needed). Prints, for each slot count,
 * the CPU and its core count, the mean and slowest slot's images/s and MB/s (wall time; also per CPU second of
 * the slot's thread), the milliseconds one batch takes, the total, and the slowest slot against the goal; then
 * whether 1 and 8 slots keep up.
 *
 * <pre>InputRate [--slots 1,2,4,...] [--seconds 2] [--images-per-slot 1000] [--batch 100] [--side 224] [--pinned]</pre>
 * Slot counts default to 1, 2, 4, ... up to the core count, and the core count.
 */
public final class InputRate {

    static final double GOAL_IMAGES_PER_SLOT = 5000;

    /** A minibatch as {@code TrainingShard.Minibatch} holds one: the cached pixel arrays and their labels. */
    record Batch(List<byte[]> pixels, int[] labels) {
    }

    /** One slot count's figures: each slot's images per wall second and per CPU second of its thread. */
    record Rates(int slots, double[] perWallSecond, double[] perCpuSecond) {

        double slowest() {
            return Arrays.stream(perWallSecond).min().orElse(0);
        }
    }

    private InputRate() {
    }

    public static void main(String[] args) throws InterruptedException {
        int cores = Runtime.getRuntime().availableProcessors();
        List<Integer> slotCounts = defaultSlotCounts(cores);
        double seconds = 2;
        int imagesPerSlot = 1000;
        int batch = 100;
        int side = 224;
        boolean pinned = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--slots" -> slotCounts = Arrays.stream(args[++i].split(",")).map(Integer::valueOf).toList();
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--images-per-slot" -> imagesPerSlot = Integer.parseInt(args[++i]);
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--side" -> side = Integer.parseInt(args[++i]);
                case "--pinned" -> pinned = true;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        String host = String.format(Locale.ROOT, "cpu=\"%s\" cores=%d", cpuName(), cores);
        int imageBytes = 3 * side * side;
        List<Rates> all = new ArrayList<>();
        try (Slots slots = new Slots(slotCounts.stream().max(Integer::compare).orElseThrow(), imagesPerSlot, batch, imageBytes, pinned)) {
            for (int count : slotCounts) {
                slots.run(count, Math.min(0.5, seconds)); // warm up: JIT, first touch of the buffers
                Rates rates = slots.run(count, seconds);
                all.add(rates);
                System.out.println(host + " " + describe(rates, batch, imageBytes, pinned));
            }
        }
        System.out.println(host + " " + verdict(all, 1) + "; " + verdict(all, 8));
    }

    /** 1, 2, 4, ... up to {@code cores}, and {@code cores}. */
    static List<Integer> defaultSlotCounts(int cores) {
        List<Integer> counts = new ArrayList<>();
        for (int n = 1; n < cores; n *= 2) {
            counts.add(n);
        }
        counts.add(cores);
        return counts;
    }

    static String describe(Rates rates, int batch, int imageBytes, boolean pinned) {
        double mean = Arrays.stream(rates.perWallSecond()).average().orElse(0);
        double total = Arrays.stream(rates.perWallSecond()).sum();
        double cpuMean = Arrays.stream(rates.perCpuSecond()).average().orElse(0);
        double mb = imageBytes / 1e6;
        return String.format(Locale.ROOT, "slots=%d batch=%d image_bytes=%d staging=%s per_slot_images_s=%.0f slowest_slot_images_s=%.0f"
                        + " per_slot_mb_s=%.0f per_slot_images_cpu_s=%.0f batch_ms=%.2f total_images_s=%.0f total_mb_s=%.0f"
                        + " goal_ratio=%.1fx (slowest slot / %.0f images/s)",
                rates.slots(), batch, imageBytes, pinned ? "pinned" : "native", mean, rates.slowest(), mean * mb, cpuMean,
                1000 * batch / mean, total, total * mb, rates.slowest() / GOAL_IMAGES_PER_SLOT, GOAL_IMAGES_PER_SLOT);
    }

    static String verdict(List<Rates> all, int slots) {
        return all.stream().filter(r -> r.slots() == slots).findFirst()
                .map(r -> String.format(Locale.ROOT, "%d slot(s) keep up: %s (slowest slot %.1fx the goal)", slots,
                        r.slowest() >= GOAL_IMAGES_PER_SLOT ? "yes" : "no", r.slowest() / GOAL_IMAGES_PER_SLOT))
                .orElse(slots + " slot(s): not measured on this host");
    }

    static String cpuName() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown CPU");
        } catch (IOException e) {
            return "unknown CPU";
        }
    }

    /** Every slot's image cache and staging buffer, made once for the largest slot count; close frees them. */
    static final class Slots implements AutoCloseable {

        private final List<ImageCache> caches = new ArrayList<>();
        private final List<BytePointer> buffers = new ArrayList<>();
        private final List<Pointer> pinned = new ArrayList<>();
        private final int batch;
        private final int imageBytes;

        Slots(int count, int imagesPerSlot, int batch, int imageBytes, boolean pinnedMemory) {
            this.batch = batch;
            this.imageBytes = imageBytes;
            try {
                caches.addAll(IntStream.range(0, count).parallel().mapToObj(slot -> cache(slot, imagesPerSlot, imageBytes)).toList());
                for (int slot = 0; slot < count; slot++) {
                    long bytes = (long) batch * imageBytes;
                    if (pinnedMemory) {
                        pinned.add(Pinned.allocate(bytes));
                        buffers.add(new BytePointer(pinned.get(slot)).capacity(bytes));
                    } else {
                        buffers.add(new BytePointer(bytes));
                    }
                }
            } catch (RuntimeException | Error e) {
                close();
                throw e;
            }
        }

        /** {@code count} slots at once for {@code seconds}: each slot's images per wall second and per CPU second. */
        Rates run(int count, double seconds) throws InterruptedException {
            double[] wall = new double[count];
            double[] cpu = new double[count];
            CyclicBarrier start = new CyclicBarrier(count);
            List<Thread> threads = new ArrayList<>();
            for (int slot = 0; slot < count; slot++) {
                int s = slot;
                threads.add(new Thread(() -> slotLoop(s, seconds, start, wall, cpu), "input-rate-slot-" + slot));
            }
            threads.forEach(Thread::start);
            for (Thread thread : threads) {
                thread.join();
            }
            return new Rates(count, wall, cpu);
        }

        /** Slot {@code slot}'s staging buffer (its last batch after {@link #run}). */
        BytePointer buffer(int slot) {
            return buffers.get(slot);
        }

        private void slotLoop(int slot, double seconds, CyclicBarrier start, double[] wall, double[] cpu) {
            ImageCache cache = caches.get(slot);
            BytePointer buffer = buffers.get(slot);
            int[] order = IntStream.range(0, cache.size()).toArray();
            Random random = new Random(slot);
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            try {
                start.await();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            long cpuStart = threads.getCurrentThreadCpuTime();
            long begin = System.nanoTime();
            long end = begin + (long) (seconds * 1e9);
            long images = 0;
            int from = order.length;
            while (System.nanoTime() < end) {
                if (from + batch > order.length) {
                    shuffle(order, random);
                    from = 0;
                }
                Batch minibatch = minibatch(cache, order, from, from + batch);
                ImageStaging.copy(minibatch.pixels(), imageBytes, buffer);
                images += minibatch.labels().length;
                from += batch;
            }
            wall[slot] = images / ((System.nanoTime() - begin) / 1e9);
            cpu[slot] = images / ((threads.getCurrentThreadCpuTime() - cpuStart) / 1e9);
        }

        /** The images at positions [from, to) of {@code order}, built as {@code TrainingShard} builds a minibatch. */
        static Batch minibatch(ImageCache cache, int[] order, int from, int to) {
            int[] batch = Arrays.copyOfRange(order, from, to);
            List<byte[]> pixels = new ArrayList<>(batch.length);
            for (int index : batch) {
                pixels.add(cache.pixels(index));
            }
            return new Batch(pixels, Arrays.stream(batch).map(cache::label).toArray());
        }

        private static void shuffle(int[] order, Random random) {
            for (int i = order.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int swap = order[i];
                order[i] = order[j];
                order[j] = swap;
            }
        }

        /** A slot's cache: generated images (a random template, each copy marked with its index), 1,024 MB of heap as a slot has. */
        private static ImageCache cache(int slot, int images, int imageBytes) {
            Random random = new Random(slot);
            byte[] template = new byte[imageBytes];
            random.nextBytes(template);
            ImageCache cache = new ImageCache(1024L << 20, Path.of(System.getProperty("java.io.tmpdir")));
            for (int i = 0; i < images; i++) {
                byte[] pixels = template.clone();
                pixels[0] = (byte) i;
                pixels[imageBytes - 1] = (byte) i;
                cache.add(new DecodedImage(new SplitImage("c/" + i, i % 120, SplitImage.TRAIN, slot, i), pixels));
            }
            return cache;
        }

        @Override
        public void close() {
            caches.forEach(ImageCache::close);
            buffers.forEach(BytePointer::close);
            pinned.forEach(Pinned::free);
        }
    }

    /** Page-locked host memory (CUDA's runtime is loaded only when this is used). */
    private static final class Pinned {

        static Pointer allocate(long bytes) {
            Pointer memory = new Pointer();
            int status = cudaMallocHost(memory, bytes);
            if (status != 0) {
                throw new IllegalStateException("cudaMallocHost(" + bytes + " bytes) failed with status " + status);
            }
            return memory;
        }

        static void free(Pointer memory) {
            cudaFreeHost(memory);
        }
    }
}
