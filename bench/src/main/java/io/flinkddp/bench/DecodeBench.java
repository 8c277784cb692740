package io.flinkddp.bench;

import io.flinkddp.data.ImageDecoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.bytedeco.opencv.global.opencv_core;

/**
 * 4. Decoding throughput, our side: {@link ImageDecoder} (OpenCV: decode, shorter side to 256, center
 * crop 224) on one thread, over the JPEGs of a folder held in memory, for a fixed time after a warmup.
 * Prints {@code decode opencv IMAGES_PER_WALL_SECOND IMAGES_PER_CPU_SECOND}. OpenCV's own thread pool is
 * set to 1, so all work runs on this thread: images per CPU second is images per second per core, and
 * does not count the time other processes on a shared machine took the core. {@code --dump DIR} also writes each crop as raw RGB (NAME.rgb) for the check against PIL.
 * Usage: DecodeBench DIR [--seconds 5] [--resize 256] [--crop 224] [--dump DIR]
 */
public final class DecodeBench {

    public static void main(String[] args) throws Exception {
        Path folder = Path.of(args[0]);
        double seconds = 5;
        int resize = 256;
        int crop = 224;
        Path dump = null;
        for (int i = 1; i < args.length; i += 2) {
            switch (args[i]) {
                case "--seconds" -> seconds = Double.parseDouble(args[i + 1]);
                case "--resize" -> resize = Integer.parseInt(args[i + 1]);
                case "--crop" -> crop = Integer.parseInt(args[i + 1]);
                case "--dump" -> dump = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        opencv_core.setNumThreads(1);
        List<Path> paths = jpegs(folder);
        List<byte[]> files = new ArrayList<>();
        for (Path path : paths) {
            files.add(Files.readAllBytes(path));
        }
        ImageDecoder decoder = new ImageDecoder(resize, crop);
        if (dump != null) {
            Files.createDirectories(dump);
            for (int i = 0; i < files.size(); i++) {
                String name = paths.get(i).getFileName().toString().replaceAll("\\.[^.]+$", ".rgb");
                Files.write(dump.resolve(name), decoder.decode(files.get(i)));
            }
        }
        loop(decoder, files, 1.0);
        double[] rate = loop(decoder, files, seconds);
        System.out.printf("decode opencv %.1f %.1f%n", rate[0], rate[1]);
    }

    /** Images per second of wall time and per second of this thread's CPU time. */
    private static double[] loop(ImageDecoder decoder, List<byte[]> files, double seconds) throws Exception {
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long cpuStart = threads.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        long count = 0;
        long checksum = 0;
        while (System.nanoTime() < end) {
            checksum += decoder.decode(files.get((int) (count % files.size())))[0];
            count++;
        }
        if (checksum == Long.MIN_VALUE) {
            System.out.println();
        }
        double wall = (System.nanoTime() - start) / 1e9;
        double cpu = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e9;
        return new double[] {count / wall, count / cpu};
    }

    static List<Path> jpegs(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(p -> p.getFileName().toString().toLowerCase().matches(".*\\.jpe?g")).sorted().toList();
        }
    }

    private DecodeBench() {
    }
}
