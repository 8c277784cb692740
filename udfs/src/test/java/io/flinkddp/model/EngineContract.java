package io.flinkddp.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flinkddp.data.ImageBatch;
import io.flinkddp.train.GradientAveraging;
import io.flinkddp.train.LocalSteps;
import io.flinkddp.train.UpdateRule;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What every {@link ReplicaEngine} must do, whatever it computes on: each engine's test extends this
 * class and says how to make one ({@link #engine}). The network is ResNet50's first two stages (stem,
 * max pool, projection and identity bottlenecks with their residual adds, batch norm everywhere, the
 * classifier) at 32 px with 5 classes, its batch-norm statistics and affine terms randomised so that
 * nothing is trivially right; images are random uint8.
 *
 * <ul>
 *   <li>the gradient (trained entries and running-statistic deltas) against DL4J's network in float64,
 *       per tensor within 1e-4 relative, and the loss with it;</li>
 *   <li>evaluation's sums are those of its logits, the logits match float64 inference, and evaluating
 *       changes nothing;</li>
 *   <li>a slice copied out and put in comes back as it was; the whole-buffer primitives and the SGD step
 *       are bit for bit the float32 expressions they name (torch.optim.SGD's for the step);</li>
 *   <li>accumulation ({@link GradientAveraging} over 2 micro-batches) sums the micro-batches' gradients bit
 *       for bit; {@link LocalSteps} on one slot equals plain steps up to float32 rounding;</li>
 *   <li>a checkpoint (parameters and momentum read out, written into another engine) continues bit for bit,
 *       and two engines of the same kind given the same work keep equal fingerprints;</li>
 *   <li>a warm engine (one that has run other batch shapes) and a fresh one give bit-identical gradients:
 *       a workspace read before it is written (a pool handing back an old step's values) shows here, a
 *       buffer freed too early or aliased in the comparison with float64 (both seen fail when the
 *       CPU engine's free rule is broken on purpose);</li>
 *   <li>the backward reports each gradient range once final, in reverse order, covering what trains;
 *       frozen layers get no gradient and are not reported;</li>
 *   <li>close releases the engine's memory and later calls fail.</li>
 * </ul>
 */
public abstract class EngineContract {

    protected static final int SIDE = 32;
    private static final int CLASSES = 5;
    private static final double TOL = 1e-4;

    /** An engine of the kind under test for {@code net} (its parameters are the initial ones), images of {@link #SIDE} px. */
    protected abstract ReplicaEngine engine(ComputationGraph net, Set<String> frozen);

    /** The test network: ResNet50's stages 1-2, batch norm randomised from {@code seed}. */
    protected static ComputationGraph network(long seed) {
        ComputationGraph net = new ComputationGraph(Networks.resNet(new int[] {2, 1}, CLASSES, SIDE, seed));
        net.init();
        Random random = new Random(seed);
        net.paramTable().forEach((key, p) -> {
            boolean scale = key.endsWith("_gamma") || key.endsWith("_var");
            if (scale || key.endsWith("_beta") || key.endsWith("_mean")) {
                float[] values = new float[(int) p.length()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = scale ? 0.5f + random.nextFloat() : 0.1f * (float) random.nextGaussian();
                }
                p.assign(Nd4j.createFromArray(values).reshape(p.shape()));
            }
        });
        return net;
    }

    private ReplicaEngine engine(long seed) {
        return engine(network(seed), Set.of());
    }

    @Test
    void gradientMatchesFloat64() {
        ComputationGraph net = network(7);
        ComputationGraph reference = net.convertDataType(DataType.DOUBLE);
        List<byte[]> images = images(11, 4);
        int[] labels = {0, 3, 4, 1};
        BatchStats stats;
        float[] gradient;
        try (ReplicaEngine engine = engine(net, Set.of())) {
            stats = engine.computeGradient(images, labels);
            gradient = engine.read(EngineBuffer.GRADIENT);
        }
        INDArray x = features(images).castTo(DataType.DOUBLE);
        java.util.Map<String, INDArray> activations = reference.feedForward(new INDArray[] {x}, false, false);
        reference.setInputs(x);
        reference.setLabels(Nd4j.create(ImageBatch.oneHot(labels, CLASSES), new long[] {4, CLASSES}, 'c').castTo(DataType.DOUBLE));
        reference.computeGradientAndScore();
        double[] want = reference.getFlattenedGradients().reshape(reference.numParams()).toDoubleVector();
        assertEquals(reference.score(), stats.lossSum() / 4, TOL * reference.score(), "mean loss");
        assertEquals(4, stats.samples());
        ModelDescription model = Dl4jDescription.of(reference);
        double[] wantParams = reference.params().reshape(reference.numParams()).toDoubleVector();
        int tensors = 0;
        for (ModelDescription.Op op : model.ops()) {
            for (ModelDescription.Param p : op.params()) {
                int from = (int) p.offset();
                int to = (int) (p.offset() + p.length());
                double[] expected = Arrays.copyOfRange(want, from, to);
                if (p.key().equals("mean") || p.key().equals("var")) {
                    // DL4J's delta m (running - batch statistic) with the biased variance; ours torch's (unbiased), times the images
                    INDArray in = activations.get(op.inputs().get(0));
                    long count = 4L * in.size(2) * in.size(3);
                    for (int i = 0; i < expected.length; i++) {
                        double running = wantParams[from + i];
                        double delta = expected[i];
                        if (p.key().equals("var")) {
                            double biased = running - delta / op.momentum();
                            delta = op.momentum() * (running - biased * count / (count - 1.0));
                        }
                        expected[i] = delta * 4;
                    }
                }
                double error = relative(Arrays.copyOfRange(gradient, from, to), expected);
                assertTrue(error <= TOL, op.name() + "." + p.key() + " off by " + error + " relative");
                tensors++;
            }
        }
        assertTrue(tensors > 50, "every tensor was compared: " + tensors);
    }

    @Test
    void evaluationSumsAreThoseOfTheLogitsAndMatchFloat64() {
        ComputationGraph net = network(8);
        ComputationGraph reference = net.convertDataType(DataType.DOUBLE);
        List<byte[]> images = images(12, 3);
        int[] labels = {2, 2, 0};
        try (ReplicaEngine engine = engine(net, Set.of())) {
            long before = engine.fingerprint();
            float[][] logits = engine.logits(images);
            BatchStats stats = engine.evaluate(images, labels);
            assertEquals(BatchStats.ofLogits(logits, labels, true), stats);
            assertEquals(before, engine.fingerprint(), "evaluating changes nothing");
            INDArray want = reference.outputSingle(false, features(images).castTo(DataType.DOUBLE));
            INDArray got = Nd4j.create(logits);
            INDArray gotProbabilities = org.nd4j.linalg.ops.transforms.Transforms.softmax(got.castTo(DataType.DOUBLE), true);
            double error = gotProbabilities.sub(want).norm2Number().doubleValue() / want.norm2Number().doubleValue();
            assertTrue(error <= TOL, "inference probabilities off by " + error);
        }
    }

    @Test
    void slicesRoundTrip() {
        try (ReplicaEngine engine = engine(9)) {
            int n = (int) engine.model().layout().numParams();
            float[] values = random(13, n);
            engine.putIn(EngineBuffer.SUM, 0, Arrays.copyOfRange(values, 0, 1000));
            engine.putIn(EngineBuffer.SUM, 1000, Arrays.copyOfRange(values, 1000, n));
            assertArrayEquals(values, engine.read(EngineBuffer.SUM));
            float[] slice = new float[777];
            engine.write(EngineBuffer.MOMENTUM, values);
            engine.copyOut(EngineBuffer.MOMENTUM, n - 777, slice);
            assertArrayEquals(Arrays.copyOfRange(values, n - 777, n), slice);
            assertThrows(IllegalArgumentException.class, () -> engine.write(EngineBuffer.PARAMETERS, new float[n - 1]));
        }
    }

    @Test
    void primitivesAreTheFloat32ExpressionsTheyName() {
        try (ReplicaEngine engine = engine(10)) {
            int n = (int) engine.model().layout().numParams();
            float[] x = random(14, n);
            float[] y = random(15, n);
            engine.write(EngineBuffer.GRADIENT, x);
            engine.write(EngineBuffer.SUM, y);
            engine.axpy(-1, EngineBuffer.GRADIENT, EngineBuffer.SUM);
            engine.axpy(1, EngineBuffer.GRADIENT, EngineBuffer.SUM);
            engine.axpy(0.3f, EngineBuffer.GRADIENT, EngineBuffer.SUM);
            engine.scale(EngineBuffer.SUM, 7);
            engine.divide(EngineBuffer.SUM, 3);
            float[] want = new float[n];
            for (int i = 0; i < n; i++) {
                float v = y[i] - x[i];
                v = v + x[i];
                v = v + 0.3f * x[i];
                want[i] = v * 7 / 3;
            }
            assertArrayEquals(want, engine.read(EngineBuffer.SUM));
            engine.copy(EngineBuffer.SUM, EngineBuffer.ROUND_START);
            assertArrayEquals(want, engine.read(EngineBuffer.ROUND_START));
            engine.zero(EngineBuffer.ROUND_START);
            assertArrayEquals(new float[n], engine.read(EngineBuffer.ROUND_START));
        }
    }

    @Test
    void sgdStepIsTorchsAndLeavesTheSumAlone() {
        try (ReplicaEngine engine = engine(11)) {
            ParamLayout layout = engine.model().layout();
            int n = (int) layout.numParams();
            float[] p = engine.read(EngineBuffer.PARAMETERS);
            float[] v = new float[n];
            for (int round = 0; round < 3; round++) {
                float[] sum = random(20 + round, n);
                engine.putIn(EngineBuffer.SUM, 0, sum);
                engine.sgdStep(EngineBuffer.SUM, 6, 0.037, 0.9);
                for (int i = 0; i < n; i++) {
                    if (layout.isStatistic(i)) {
                        p[i] = p[i] - sum[i] / 6f;
                    } else {
                        v[i] = 0.9f * v[i] + sum[i] / 6f;
                        p[i] = p[i] - 0.037f * v[i];
                    }
                }
                assertArrayEquals(sum, engine.read(EngineBuffer.SUM), "the sum is left as it was");
            }
            assertArrayEquals(p, engine.read(EngineBuffer.PARAMETERS));
            assertArrayEquals(v, engine.read(EngineBuffer.MOMENTUM));
        }
    }

    @Test
    void accumulationSumsTheMicroBatchGradientsBitForBit() {
        List<byte[]> images = images(16, 6);
        int[] labels = {0, 1, 2, 3, 4, 0};
        try (ReplicaEngine engine = engine(12); ReplicaEngine single = engine(12)) {
            single.computeGradient(images.subList(0, 3), Arrays.copyOfRange(labels, 0, 3));
            float[] a = single.read(EngineBuffer.GRADIENT);
            single.computeGradient(images.subList(3, 6), Arrays.copyOfRange(labels, 3, 6));
            float[] b = single.read(EngineBuffer.GRADIENT);

            UpdateRule rule = new GradientAveraging(2);
            rule.beginRound(engine);
            engine.computeGradient(images.subList(0, 3), Arrays.copyOfRange(labels, 0, 3));
            rule.afterMinibatch(engine, 3, 0.1, 0.9);
            engine.computeGradient(images.subList(3, 6), Arrays.copyOfRange(labels, 3, 6));
            rule.afterMinibatch(engine, 3, 0.1, 0.9);
            rule.endRound(engine, 6);
            float[] want = new float[a.length];
            for (int i = 0; i < a.length; i++) {
                want[i] = a[i] + b[i];
            }
            assertArrayEquals(want, engine.read(EngineBuffer.GRADIENT));
        }
    }

    @Test
    void localStepsOnOneSlotArePlainSteps() {
        List<byte[]> images = images(17, 4);
        int[] labels = {1, 2, 3, 4};
        try (ReplicaEngine local = engine(13); ReplicaEngine plain = engine(13)) {
            UpdateRule rule = new LocalSteps(2);
            rule.beginRound(local);
            for (int k = 0; k < 2; k++) {
                List<byte[]> batch = images.subList(2 * k, 2 * k + 2);
                int[] batchLabels = Arrays.copyOfRange(labels, 2 * k, 2 * k + 2);
                local.computeGradient(batch, batchLabels);
                rule.afterMinibatch(local, 2, 0.05, 0.9);
                plain.computeGradient(batch, batchLabels);
                plain.copy(EngineBuffer.GRADIENT, EngineBuffer.SUM);
                plain.sgdStep(EngineBuffer.SUM, 2, 0.05, 0.9);
            }
            rule.endRound(local, 4);
            rule.takeOwnWorkAsSums(local);
            rule.apply(local, 4, 0.05, 0.9);
            assertClose(plain.read(EngineBuffer.PARAMETERS), local.read(EngineBuffer.PARAMETERS), 1e-6);
            assertClose(plain.read(EngineBuffer.MOMENTUM), local.read(EngineBuffer.MOMENTUM), 1e-6);
        }
    }

    @Test
    void aCheckpointContinuesBitForBitAndFingerprintsAgree() {
        List<byte[]> images = images(18, 3);
        int[] labels = {4, 0, 2};
        try (ReplicaEngine first = engine(14); ReplicaEngine twin = engine(14); ReplicaEngine other = engine(99)) {
            assertEquals(first.fingerprint(), twin.fingerprint(), "two engines of the same network");
            assertNotEquals(first.fingerprint(), other.fingerprint());
            for (int step = 0; step < 2; step++) {
                step(first, images, labels);
                step(twin, images, labels);
            }
            assertEquals(first.fingerprint(), twin.fingerprint(), "the same work keeps replicas identical");
            other.write(EngineBuffer.PARAMETERS, first.read(EngineBuffer.PARAMETERS));
            other.write(EngineBuffer.MOMENTUM, first.read(EngineBuffer.MOMENTUM));
            assertEquals(first.fingerprint(), other.fingerprint(), "restored");
            step(first, images, labels);
            step(other, images, labels);
            assertArrayEquals(first.read(EngineBuffer.PARAMETERS), other.read(EngineBuffer.PARAMETERS));
            assertArrayEquals(first.read(EngineBuffer.MOMENTUM), other.read(EngineBuffer.MOMENTUM));
            float[] nudged = other.read(EngineBuffer.PARAMETERS);
            nudged[nudged.length / 2] = Math.nextUp(nudged[nudged.length / 2]);
            other.write(EngineBuffer.PARAMETERS, nudged);
            assertNotEquals(first.fingerprint(), other.fingerprint(), "one bit apart");
        }
    }

    @Test
    void aWarmEngineAndAFreshOneGiveBitIdenticalGradients() {
        try (ReplicaEngine warm = engine(15)) {
            for (int size : new int[] {3, 5, 2, 4}) {
                List<byte[]> images = images(30 + size, size);
                int[] labels = new int[size];
                Arrays.setAll(labels, i -> i % CLASSES);
                warm.evaluate(images(40 + size, size + 1), new int[size + 1]);
                warm.computeGradient(images, labels);
                float[] got = warm.read(EngineBuffer.GRADIENT);
                try (ReplicaEngine fresh = engine(15)) {
                    fresh.computeGradient(images, labels);
                    assertArrayEquals(fresh.read(EngineBuffer.GRADIENT), got, "batch of " + size + " after other shapes");
                }
            }
        }
    }

    @Test
    void gradientRangesAreReportedOnceFinalInReverseOrder() {
        List<byte[]> images = images(19, 3);
        int[] labels = {0, 4, 2};
        try (ReplicaEngine engine = engine(16)) {
            List<long[]> ranges = new ArrayList<>();
            List<float[]> seen = new ArrayList<>();
            engine.onGradientFinal((from, to) -> {
                ranges.add(new long[] {from, to});
                float[] values = new float[(int) (to - from)];
                engine.copyOut(EngineBuffer.GRADIENT, from, values);
                seen.add(values);
            });
            engine.computeGradient(images, labels);
            float[] gradient = engine.read(EngineBuffer.GRADIENT);
            assertEquals(engine.model().layout().numParams(), ranges.get(0)[1], "the classifier's range comes first");
            long covered = 0;
            for (int i = 0; i < ranges.size(); i++) {
                long[] range = ranges.get(i);
                if (i > 0) {
                    assertTrue(range[1] <= ranges.get(i - 1)[0], "reverse order, disjoint: " + Arrays.toString(range));
                }
                covered += range[1] - range[0];
                assertArrayEquals(Arrays.copyOfRange(gradient, (int) range[0], (int) range[1]), seen.get(i),
                        "range " + Arrays.toString(range) + " was final when reported");
            }
            assertEquals(engine.model().layout().numParams(), covered, "the reports cover the vector");
        }
    }

    @Test
    void frozenLayersGetNoGradientAndAreNotReported() {
        ComputationGraph net = network(17);
        Set<String> frozen = Networks.frozenVertices(net, "stem");
        try (ReplicaEngine engine = engine(net, frozen)) {
            long trainedFrom = engine.model().layout().trainedFrom();
            assertTrue(trainedFrom > 0, "the stem leads the vector");
            List<long[]> ranges = new ArrayList<>();
            engine.onGradientFinal((from, to) -> ranges.add(new long[] {from, to}));
            float[] before = engine.read(EngineBuffer.PARAMETERS);
            engine.computeGradient(images(20, 3), new int[] {1, 2, 3});
            float[] gradient = engine.read(EngineBuffer.GRADIENT);
            for (int i = 0; i < trainedFrom; i++) {
                assertEquals(0f, gradient[i], "frozen entry " + i);
            }
            assertTrue(ranges.stream().allMatch(r -> r[0] >= trainedFrom), "no frozen range reported");
            assertEquals(engine.model().layout().numParams() - trainedFrom, ranges.stream().mapToLong(r -> r[1] - r[0]).sum());
            engine.copy(EngineBuffer.GRADIENT, EngineBuffer.SUM);
            engine.sgdStep(EngineBuffer.SUM, 3, 0.1, 0.9);
            float[] after = engine.read(EngineBuffer.PARAMETERS);
            assertArrayEquals(Arrays.copyOfRange(before, 0, (int) trainedFrom), Arrays.copyOfRange(after, 0, (int) trainedFrom));
            assertTrue(!Arrays.equals(before, after), "what trains moved");
        }
    }

    @Test
    void closeReleasesMemory() {
        ReplicaEngine engine = engine(18);
        step(engine, images(21, 2), new int[] {0, 1});
        assertTrue(engine.heldBytes() > 0, "an engine that stepped holds memory");
        engine.close();
        assertEquals(0, engine.heldBytes());
        assertThrows(IllegalStateException.class, () -> engine.read(EngineBuffer.PARAMETERS));
        assertThrows(IllegalStateException.class, () -> engine.computeGradient(images(21, 2), new int[] {0, 1}));
        engine.close();
    }

    private static void step(ReplicaEngine engine, List<byte[]> images, int[] labels) {
        engine.computeGradient(images, labels);
        engine.copy(EngineBuffer.GRADIENT, EngineBuffer.SUM);
        engine.sgdStep(EngineBuffer.SUM, labels.length, 0.05, 0.9);
    }

    protected static List<byte[]> images(long seed, int count) {
        return images(new Random(seed), count);
    }

    /** {@code count} random uint8 images of {@link #SIDE} px. */
    protected static List<byte[]> images(Random random, int count) {
        List<byte[]> images = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] rgb = new byte[SIDE * SIDE * 3];
            random.nextBytes(rgb);
            images.add(rgb);
        }
        return images;
    }

    private static INDArray features(List<byte[]> images) {
        return Nd4j.create(ImageBatch.normalised(images, SIDE), new long[] {images.size(), 3, SIDE, SIDE}, 'c');
    }

    private static float[] random(long seed, int n) {
        Random random = new Random(seed);
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    private static double relative(float[] got, double[] want) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < want.length; i++) {
            diff += (got[i] - want[i]) * (got[i] - want[i]);
            norm += want[i] * want[i];
        }
        return norm == 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
    }

    private static void assertClose(float[] want, float[] got, double tol) {
        double[] w = new double[want.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = want[i];
        }
        double error = relative(got, w);
        assertTrue(error <= tol, "off by " + error + " relative");
    }
}
