package io.flinkddp.bench;

import io.flinkddp.model.CpuEngine;
import io.flinkddp.model.EngineBuffer;
import io.flinkddp.model.Networks;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.commons.math3.stat.descriptive.DescriptiveStatistics;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * 1. Compute per step: our ResNet50 training step (forward, backward, our SGD momentum step) on random
 * inputs, the peer of {@code bench/step_peer.py}. Prints one line per measured step:
 * {@code step dl4j BATCH SIZE STEP_S GRADIENT_S UPDATE_S EXCHANGE_S CPU_S}; the step is gradient + update,
 * the exchange (copying the gradient out and the sum back in, which a Flink round does) is reported apart,
 * and CPU_S is the process's CPU time over the whole step (all threads), which neighbours on a shared
 * machine inflate far less than the wall time.
 *
 * <p>Options: {@code --configs 8x64,32x224} (batch x pixels), {@code --steps N} measured per config,
 * {@code --warmup N}, {@code --classes N} (1000 as torchvision's default), {@code --workspaces
 * enabled|none} (DL4J's training workspace mode), {@code --seconds S} (stop measuring a config after S).
 * DL4J's oneDNN helpers are switched by the system property {@code org.eclipse.deeplearning4j.helpers.disable}
 * (see bench/step-compute.sh --levers).
 */
public final class StepBench {

    public static void main(String[] args) {
        String configs = "8x64,32x64,8x224,32x224";
        int steps = 3;
        int warmup = 1;
        int classes = 1000;
        double seconds = 1e9;
        WorkspaceMode workspaces = WorkspaceMode.ENABLED;
        String label = "dl4j";
        boolean nhwc = false;
        boolean nodes = false;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--configs" -> configs = args[i + 1];
                case "--steps" -> steps = Integer.parseInt(args[i + 1]);
                case "--warmup" -> warmup = Integer.parseInt(args[i + 1]);
                case "--classes" -> classes = Integer.parseInt(args[i + 1]);
                case "--seconds" -> seconds = Double.parseDouble(args[i + 1]);
                case "--workspaces" -> workspaces = WorkspaceMode.valueOf(args[i + 1].toUpperCase());
                case "--label" -> label = args[i + 1];
                case "--format" -> nhwc = "nhwc".equalsIgnoreCase(args[i + 1]);
                case "--nodes" -> nodes = Boolean.parseBoolean(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        System.out.printf("# dl4j threads (OMP_NUM_THREADS) %s, workspaces %s, helpers.disable %s%n",
                System.getenv("OMP_NUM_THREADS"), workspaces,
                System.getProperty("org.eclipse.deeplearning4j.helpers.disable", "true (default)"));
        for (String config : configs.split(",")) {
            String[] parts = config.split("x");
            int batch = Integer.parseInt(parts[0]);
            int size = Integer.parseInt(parts[1]);
            run(label, batch, size, classes, warmup, steps, seconds, workspaces, nhwc, nodes);
        }
    }

    static void run(String label, int batch, int size, int classes, int warmup, int steps, double seconds,
                    WorkspaceMode workspaces, boolean nhwc, boolean nodes) {
        ComputationGraphConfiguration conf = Networks.resNet50(classes, size, 42);
        if (nhwc) {
            toNhwc(conf);
        }
        conf.setTrainingWorkspaceMode(workspaces);
        conf.setInferenceWorkspaceMode(workspaces);
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        CpuEngine replica = new CpuEngine(net, java.util.Set.of(), size);
        long helpers = java.util.Arrays.stream(net.getLayers()).filter(l -> l.getHelper() != null).count();
        System.out.printf("# %s %dx%d: %d of %d layers run a oneDNN/cuDNN helper%n", label, batch, size, helpers, net.getLayers().length);
        Random random = new Random(batch * 1000L + size);
        Nd4j.getRandom().setSeed(42);
        if (nhwc) {
            throw new IllegalArgumentException("--format nhwc: the engines take NCHW only");
        }
        List<byte[]> images = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            byte[] image = new byte[size * size * 3];
            random.nextBytes(image);
            images.add(image);
        }
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = random.nextInt(classes);
        }
        float[] exchange = new float[(int) replica.model().layout().numParams()];
        List<double[]> measured = new ArrayList<>();
        long budgetStart = System.nanoTime();
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        java.util.Map<String, long[]> profile = new java.util.TreeMap<>();
        for (int step = 0; step < warmup + steps; step++) {
            if (nodes && step == warmup) {
                replica.kernels().profileInto(profile);
            }
            long cpu0 = os.getProcessCpuTime();
            long t0 = System.nanoTime();
            replica.computeGradient(images, labels);
            long t1 = System.nanoTime();
            replica.copyOut(EngineBuffer.GRADIENT, 0, exchange);
            replica.putIn(EngineBuffer.SUM, 0, exchange);
            long t2 = System.nanoTime();
            replica.sgdStep(EngineBuffer.SUM, batch, 0.01, 0.9);
            long t3 = System.nanoTime();
            double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
            double gradient = (t1 - t0) / 1e9;
            double update = (t3 - t2) / 1e9;
            double exch = (t2 - t1) / 1e9;
            if (step >= warmup) {
                measured.add(new double[] {gradient + update, gradient, update, exch});
                System.out.printf("step %s %d %d %.4f %.4f %.4f %.4f %.4f%n", label, batch, size, gradient + update, gradient, update, exch, cpu);
                if ((System.nanoTime() - budgetStart) / 1e9 > seconds) {
                    break;
                }
            } else {
                System.out.printf("# warmup %s %d %d %.4f%n", label, batch, size, gradient + update);
            }
        }
        double[] steps1 = measured.stream().mapToDouble(m -> m[0]).toArray();
        for (var e : profile.entrySet()) {
            System.out.printf("profile-node %s %dx%d %-14s forward %.4f backward %.4f s/step%n", label, batch, size, e.getKey(),
                    e.getValue()[0] / 1e9 / steps1.length, e.getValue()[1] / 1e9 / steps1.length);
        }
        System.out.printf("# median %s %dx%d step %.4f s over %d steps%n", label, batch, size, median(steps1), steps1.length);
        net.clear();
        System.gc();
    }

    /**
     * The NHWC lever: the same network with every convolution, batch norm and pooling layer switched to
     * channels-last (DL4J's CNN2DFormat.NHWC), the global average pool over dimensions 1 and 2; the input
     * is then fed as [batch, height, width, 3].
     */
    static void toNhwc(ComputationGraphConfiguration conf) {
        for (var vertex : conf.getVertices().values()) {
            if (vertex instanceof org.deeplearning4j.nn.conf.graph.LayerVertex layerVertex) {
                var layer = layerVertex.getLayerConf().getLayer();
                if (layer instanceof org.deeplearning4j.nn.conf.layers.ConvolutionLayer conv) {
                    conv.setCnn2dDataFormat(org.deeplearning4j.nn.conf.CNN2DFormat.NHWC);
                } else if (layer instanceof org.deeplearning4j.nn.conf.layers.BatchNormalization bn) {
                    bn.setCnn2DFormat(org.deeplearning4j.nn.conf.CNN2DFormat.NHWC);
                } else if (layer instanceof org.deeplearning4j.nn.conf.layers.SubsamplingLayer pool) {
                    pool.setCnn2dDataFormat(org.deeplearning4j.nn.conf.CNN2DFormat.NHWC);
                } else if (layer instanceof org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer gap) {
                    gap.setPoolingDimensions(new int[] {1, 2});
                }
            }
        }
    }

    private StepBench() {
    }

    static double median(double[] values) {
        return new DescriptiveStatistics(values).getPercentile(50);
    }
}
