package io.flinkddp.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flinkddp.data.ImageBatch;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * The replica's layout and SGD step on the CPU engine ({@link CpuEngine}). ResNet50 has torchvision's trainable parameter counts
 * (23,528,522 at 10 classes, 25,557,032 at 1000) plus 53,120 batch-norm running statistics, and the statistics
 * ranges point at the batch norms' means and variances. With momentum 0 our step equals DL4J's own {@code
 * fit()} to 1e-6 on ResNet50's first two stages (running variances aside). Two replicas of 2 images each, their
 * gradients summed, equal one replica of the 4 images and stay bit-identical. The in-place step is bit for bit
 * the textbook expression written with fresh arrays.
 */
class ReplicaTest {

    private static final int SIDE = 32;

    @Test
    void resNet50HasTorchvisionsTrainableParameterCounts() {
        assertEquals(23_528_522L, Dl4jDescription.layout(graph(Networks.resNet50(10, SIDE, 1))).trainableParams());
        ParamLayout imagenet = Dl4jDescription.layout(graph(Networks.resNet50(1000, SIDE, 1)));
        assertEquals(25_557_032L, imagenet.trainableParams());
        assertEquals(53_120L, imagenet.numParams() - imagenet.trainableParams());
    }

    @Test
    void statisticRangesPointAtTheBatchNormStatistics() {
        ComputationGraph net = graph(Networks.resNet50(10, SIDE, 1));
        ParamLayout layout = Dl4jDescription.layout(net);
        INDArray flat = net.params().reshape(layout.numParams());
        for (long[] range : layout.statisticRanges()) {
            flat.get(NDArrayIndex.interval(range[0], range[1])).assign(7);
        }
        INDArray mean = net.getLayer("layer2.0.bn2").getParam("mean");
        assertTrue(mean.eq(7).all(), "mean of layer2.0.bn2 is inside a statistics range");
        assertTrue(net.getLayer("layer2.0.bn2").getParam("gamma").neq(7).all(), "gamma is not");
        assertEquals(53L * 2, layout.statisticRanges().size());
    }

    /**
     * With momentum 0, our step equals DL4J's own fit() (plain SGD, its {@link Sgd} updater set on the
     * reference: model.zip states none), running means included. Running variances differ on purpose:
     * DL4J moves them towards the biased batch variance, we as torch towards the unbiased one
     * (NativeGraphTest checks ours against float64).
     */
    @Test
    void stepWithoutMomentumMatchesDl4jFit() {
        Random random = new Random(3);
        List<byte[]> images = EngineContract.images(random, 4);
        int[] labels = {0, 1, 2, 1};
        INDArray x = Nd4j.create(ImageBatch.normalised(images, SIDE), new long[] {4, 3, SIDE, SIDE}, 'c');
        INDArray y = Nd4j.create(ImageBatch.oneHot(labels, 3), new long[] {4, 3}, 'c');

        // ResNet50's first two stages: all of ResNet50 amplifies float32 rounding too much to compare two implementations
        ComputationGraph reference = graph(withSgd(Networks.resNet(new int[] {2, 1}, 3, SIDE, 5), 0.05));
        ComputationGraph ours = graph(Networks.resNet(new int[] {2, 1}, 3, SIDE, 5));
        assertEquals(reference.params(), ours.params());
        // one step: from the second on, the two float32 implementations' rounding has moved the weights apart
        reference.fit(new MultiDataSet(x, y));
        try (CpuEngine engine = new CpuEngine(ours, Set.of(), SIDE)) {
            engine.computeGradient(images, labels);
            float[] sum = new float[(int) engine.model().layout().numParams()];
            engine.copyOut(EngineBuffer.GRADIENT, 0, sum);
            engine.putIn(EngineBuffer.SUM, 0, sum);
            engine.sgdStep(EngineBuffer.SUM, labels.length, 0.05, 0.0);
        }
        INDArray difference = reference.params().sub(ours.params()).reshape(ours.numParams());
        for (org.deeplearning4j.nn.api.Layer layer : ours.getLayers()) {
            INDArray var = layer.paramTable().get("var");
            if (var != null) {
                long start = var.offset() - ours.params().offset();
                difference.get(NDArrayIndex.interval(start, start + var.length())).assign(0);
            }
        }
        double relative = difference.norm2Number().doubleValue() / reference.params().norm2Number().doubleValue();
        assertTrue(relative < 1e-6, "parameters differ by " + relative + " relative");
    }

    /** Two replicas with 2 images each, summed, equal one replica with all 4 images (no batch norm). */
    @Test
    void twoReplicasMatchOneWithTheCombinedBatch() {
        Random random = new Random(11);
        List<byte[]> images = EngineContract.images(random, 4);
        int[] labels = {0, 1, 1, 0};
        try (CpuEngine single = engine(Networks.smallCnn(2, SIDE, 9));
             CpuEngine a = engine(Networks.smallCnn(2, SIDE, 9));
             CpuEngine b = engine(Networks.smallCnn(2, SIDE, 9))) {
            int n = (int) single.model().layout().numParams();
            for (int step = 0; step < 3; step++) {
                single.computeGradient(images, labels);
                float[] g = new float[n];
                single.copyOut(EngineBuffer.GRADIENT, 0, g);
                single.putIn(EngineBuffer.SUM, 0, g);
                single.sgdStep(EngineBuffer.SUM, 4, 0.1, 0.9);

                a.computeGradient(images.subList(0, 2), new int[] {0, 1});
                b.computeGradient(images.subList(2, 4), new int[] {1, 0});
                float[] ga = new float[n];
                float[] gb = new float[n];
                a.copyOut(EngineBuffer.GRADIENT, 0, ga);
                b.copyOut(EngineBuffer.GRADIENT, 0, gb);
                for (int i = 0; i < n; i++) {
                    ga[i] += gb[i];
                }
                a.putIn(EngineBuffer.SUM, 0, ga);
                b.putIn(EngineBuffer.SUM, 0, ga);
                a.sgdStep(EngineBuffer.SUM, 4, 0.1, 0.9);
                b.sgdStep(EngineBuffer.SUM, 4, 0.1, 0.9);
            }
            assertEquals(a.fingerprint(), b.fingerprint(), "replicas stay bit-identical");
            float[] expected = single.read(EngineBuffer.PARAMETERS);
            float[] actual = a.read(EngineBuffer.PARAMETERS);
            for (int i = 0; i < n; i++) {
                assertEquals(expected[i], actual[i], 1e-6, "parameter " + i);
            }
            assertTrue(!Arrays.equals(expected, graph(Networks.smallCnn(2, SIDE, 9)).params().toFloatVector()),
                    "training moved the parameters");
        }
    }

    /**
     * The in-place step (no per-round allocation) is bit for bit the textbook expression
     * {@code v = m * v + g / N; p -= lr * v}, written with fresh arrays, over several rounds.
     */
    @Test
    void inPlaceStepIsBitIdenticalToTheAllocatingExpression() {
        ComputationGraph net = graph(Networks.smallCnn(2, SIDE, 4));
        try (CpuEngine engine = new CpuEngine(net, Set.of(), SIDE)) {
            ParamLayout layout = engine.model().layout();
            int n = (int) layout.numParams();
            INDArray params = net.params().reshape(n).dup();
            INDArray velocity = Nd4j.zeros(params.dataType(), n);
            Random random = new Random(5);
            for (int round = 0; round < 3; round++) {
                float[] sum = new float[n];
                for (int i = 0; i < n; i++) {
                    sum[i] = (float) random.nextGaussian();
                }
                engine.putIn(EngineBuffer.SUM, 0, sum);
                engine.sgdStep(EngineBuffer.SUM, 6, 0.037, 0.9);

                INDArray g = Nd4j.createFromArray(sum).div(6);
                for (long[] range : layout.statisticRanges()) {
                    INDArray delta = g.get(NDArrayIndex.interval(range[0], range[1]));
                    params.get(NDArrayIndex.interval(range[0], range[1])).subi(delta);
                    delta.assign(0);
                }
                velocity = velocity.mul(0.9).add(g);
                params = params.sub(velocity.mul(0.037));
            }
            assertArrayEquals(params.toFloatVector(), net.params().toFloatVector());
        }
    }

    static ComputationGraph graph(ComputationGraphConfiguration conf) {
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }

    private static CpuEngine engine(ComputationGraphConfiguration conf) {
        return new CpuEngine(graph(conf), Set.of(), SIDE);
    }

    /** The configuration with plain SGD at {@code lr} as every layer's updater, for DL4J's own {@code fit()}. */
    private static ComputationGraphConfiguration withSgd(ComputationGraphConfiguration conf, double lr) {
        conf.getVertices().values().forEach(vertex -> {
            if (vertex instanceof LayerVertex layer && layer.getLayerConf().getLayer() instanceof BaseLayer base) {
                base.setIUpdater(new Sgd(lr));
            }
        });
        return conf;
    }
}
