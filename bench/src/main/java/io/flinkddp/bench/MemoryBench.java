package io.flinkddp.bench;

import io.flinkddp.model.CpuEngine;
import io.flinkddp.model.EngineBuffer;
import io.flinkddp.model.Networks;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Peak memory of one slot's training step: ResNet50 (torchvision's, 120 classes as Stanford Dogs),
 * {@code steps} steps of forward, backward and our SGD update on random images. Prints one line after
 * each step: peak RSS so far (VmHWM) and peak heap (sum of the heap pools' peaks). ND4J's arrays live
 * outside the heap (libnd4j allocates them natively, unseen by JavaCPP's counters), so RSS minus heap
 * is what the off-heap side takes.
 *
 * <p>Usage: MemoryBench BATCH PIXELS STEPS
 */
public final class MemoryBench {

    public static void main(String[] args) throws Exception {
        int batch = Integer.parseInt(args[0]);
        int pixels = Integer.parseInt(args[1]);
        int steps = Integer.parseInt(args[2]);
        int classes = 120;
        ComputationGraph net = new ComputationGraph(Networks.resNet50(classes, pixels, 42));
        net.init();
        CpuEngine engine = new CpuEngine(net, java.util.Set.of(), pixels);
        Random random = new Random(1);
        List<byte[]> images = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            byte[] image = new byte[pixels * pixels * 3];
            random.nextBytes(image);
            images.add(image);
        }
        int[] labels = random.ints(batch, 0, classes).toArray();
        for (int step = 1; step <= steps; step++) {
            engine.computeGradient(images, labels);
            engine.copy(EngineBuffer.GRADIENT, EngineBuffer.SUM);
            engine.sgdStep(EngineBuffer.SUM, batch, 0.01, 0.9);
            long heapPeak = 0;
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP) {
                    heapPeak += pool.getPeakUsage().getUsed();
                }
            }
            double rss = peakRssKb() / 1024.0;
            System.out.printf(Locale.ROOT, "dl4j batch=%d px=%d step=%d peak_rss_mb=%.0f heap_peak_mb=%.0f offheap_mb=%.0f%n",
                    batch, pixels, step, rss, heapPeak / 1048576.0, rss - heapPeak / 1048576.0);
        }
    }

    static long peakRssKb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
