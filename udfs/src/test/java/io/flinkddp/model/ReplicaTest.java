package io.flinkddp.model;

import io.flinkddp.train.Payload;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flinkddp.data.ImageBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;

/**
 * The replica's layout and SGD step on the CPU. ResNet50 has torchvision's trainable parameter counts
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
        assertEquals(23_528_522L, ParamLayout.of(graph(Networks.resNet50(10, SIDE, 1, 0.01, 0.9))).trainableParams());
        ParamLayout imagenet = ParamLayout.of(graph(Networks.resNet50(1000, SIDE, 1, 0.01, 0.9)));
        assertEquals(25_557_032L, imagenet.trainableParams());
        assertEquals(53_120L, imagenet.numParams() - imagenet.trainableParams());
    }

    @Test
    void statisticRangesPointAtTheBatchNormStatistics() {
        ComputationGraph net = graph(Networks.resNet50(10, SIDE, 1, 0.01, 0.9));
        ParamLayout layout = ParamLayout.of(net);
        INDArray flat = net.params().reshape(layout.numParams());
        for (long[] range : layout.statisticRanges()) {
            flat.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(range[0], range[1])).assign(7);
        }
        INDArray mean = net.getLayer("layer2.0.bn2").getParam("mean");
        assertTrue(mean.eq(7).all(), "mean of layer2.0.bn2 is inside a statistics range");
        assertTrue(net.getLayer("layer2.0.bn2").getParam("gamma").neq(7).all(), "gamma is not");
        assertEquals(53L * 2, layout.statisticRanges().size());
    }

    /**
     * With momentum 0, our step equals DL4J's own fit() (plain SGD), running means included. Running
     * variances differ on purpose: DL4J moves them towards the biased batch variance, we as torch towards
     * the unbiased one (NativeGraphTest checks ours against float64).
     */
    @Test
    void stepWithoutMomentumMatchesDl4jFit() {
        Random random = new Random(3);
        List<byte[]> images = images(random, 4);
        int[] labels = {0, 1, 2, 1};
        INDArray x = ImageBatch.features(images, SIDE);
        INDArray y = ImageBatch.oneHot(labels, 3);

        // ResNet50's first two stages: all of ResNet50 amplifies float32 rounding too much to compare two implementations
        ComputationGraph reference = graph(Networks.resNet(new int[] {2, 1}, 3, SIDE, 5, 0.05, 0.0));
        ComputationGraph ours = graph(Networks.resNet(new int[] {2, 1}, 3, SIDE, 5, 0.05, 0.0));
        assertEquals(reference.params(), ours.params());
        // one step: from the second on, the two float32 implementations' rounding has moved the weights apart
        for (int step = 0; step < 1; step++) {
            reference.fit(new MultiDataSet(x, y));
            Replica replica = new Replica(ours);
            replica.computeGradient(x, y, labels);
            float[] sum = new float[(int) replica.numParams()];
            replica.copy(Payload.GRADIENT, 0, sum);
            replica.putSum(Payload.GRADIENT, 0, sum);
            replica.applyGradientSum(labels.length, 0.05, 0.0);
        }
        INDArray difference = reference.params().sub(ours.params()).reshape(ours.numParams());
        for (org.deeplearning4j.nn.api.Layer layer : ours.getLayers()) {
            INDArray var = layer.paramTable().get("var");
            if (var != null) {
                long start = var.offset() - ours.params().offset();
                difference.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(start, start + var.length())).assign(0);
            }
        }
        double relative = difference.norm2Number().doubleValue() / reference.params().norm2Number().doubleValue();
        assertTrue(relative < 1e-6, "parameters differ by " + relative + " relative");
    }

    /** Two replicas with 2 images each, summed, equal one replica with all 4 images (no batch norm). */
    @Test
    void twoReplicasMatchOneWithTheCombinedBatch() {
        Random random = new Random(11);
        List<byte[]> images = images(random, 4);
        int[] labels = {0, 1, 1, 0};
        Replica single = new Replica(graph(Networks.smallCnn(2, SIDE, 9, 0.1, 0.9)));
        Replica a = new Replica(graph(Networks.smallCnn(2, SIDE, 9, 0.1, 0.9)));
        Replica b = new Replica(graph(Networks.smallCnn(2, SIDE, 9, 0.1, 0.9)));
        int n = (int) single.numParams();
        for (int step = 0; step < 3; step++) {
            single.computeGradient(ImageBatch.features(images, SIDE), ImageBatch.oneHot(labels, 2), labels);
            float[] g = new float[n];
            single.copy(Payload.GRADIENT, 0, g);
            single.putSum(Payload.GRADIENT, 0, g);
            single.applyGradientSum(4, 0.1, 0.9);

            a.computeGradient(ImageBatch.features(images.subList(0, 2), SIDE), ImageBatch.oneHot(new int[] {0, 1}, 2), new int[] {0, 1});
            b.computeGradient(ImageBatch.features(images.subList(2, 4), SIDE), ImageBatch.oneHot(new int[] {1, 0}, 2), new int[] {1, 0});
            float[] ga = new float[n];
            float[] gb = new float[n];
            a.copy(Payload.GRADIENT, 0, ga);
            b.copy(Payload.GRADIENT, 0, gb);
            for (int i = 0; i < n; i++) {
                ga[i] += gb[i];
            }
            a.putSum(Payload.GRADIENT, 0, ga);
            b.putSum(Payload.GRADIENT, 0, ga);
            a.applyGradientSum(4, 0.1, 0.9);
            b.applyGradientSum(4, 0.1, 0.9);
        }
        assertEquals(a.fingerprint(), b.fingerprint(), "replicas stay bit-identical");
        float[] expected = single.network().params().toFloatVector();
        float[] actual = a.network().params().toFloatVector();
        for (int i = 0; i < n; i++) {
            assertEquals(expected[i], actual[i], 1e-6, "parameter " + i);
        }
        assertTrue(!Arrays.equals(expected, graph(Networks.smallCnn(2, SIDE, 9, 0.1, 0.9)).params().toFloatVector()),
                "training moved the parameters");
    }

    /**
     * The in-place step (no per-round allocation) is bit for bit the textbook expression
     * {@code v = m * v + g / N; p -= lr * v}, written with fresh arrays, over several rounds.
     */
    @Test
    void inPlaceStepIsBitIdenticalToTheAllocatingExpression() {
        Replica replica = new Replica(graph(Networks.smallCnn(2, SIDE, 4, 0.1, 0.9)));
        ParamLayout layout = replica.layout();
        int n = (int) replica.numParams();
        INDArray params = replica.network().params().reshape(n).dup();
        INDArray velocity = org.nd4j.linalg.factory.Nd4j.zeros(params.dataType(), n);
        Random random = new Random(5);
        for (int round = 0; round < 3; round++) {
            float[] sum = new float[n];
            for (int i = 0; i < n; i++) {
                sum[i] = (float) random.nextGaussian();
            }
            replica.putSum(Payload.GRADIENT, 0, sum);
            replica.applyGradientSum(6, 0.037, 0.9);

            INDArray g = org.nd4j.linalg.factory.Nd4j.createFromArray(sum).div(6);
            for (long[] range : layout.statisticRanges()) {
                INDArray delta = g.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(range[0], range[1]));
                params.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(range[0], range[1])).subi(delta);
                delta.assign(0);
            }
            velocity = velocity.mul(0.9).add(g);
            params = params.sub(velocity.mul(0.037));
        }
        assertArrayEquals(params.toFloatVector(), replica.network().params().toFloatVector());
    }

    static List<byte[]> images(Random random, int count) {
        List<byte[]> images = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] rgb = new byte[SIDE * SIDE * 3];
            random.nextBytes(rgb);
            images.add(rgb);
        }
        return images;
    }

    static ComputationGraph graph(org.deeplearning4j.nn.conf.ComputationGraphConfiguration conf) {
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }
}
