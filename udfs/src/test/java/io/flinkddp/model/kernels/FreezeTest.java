package io.flinkddp.model.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flinkddp.model.Dl4jDescription;
import io.flinkddp.model.Networks;
import io.flinkddp.model.ParamLayout;
import io.flinkddp.model.weights.TorchStateDict;
import io.flinkddp.model.weights.TorchTensor;
import io.flinkddp.model.weights.TorchWeights;
import io.flinkddp.testing.TorchPython;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Fine-tuning's frozen stages against PyTorch: torch_freeze.py takes one step of torchvision's resnet50 with
 * its stem and layer1-3 frozen (eval() on them, no gradients) in float64; our network, loaded with the same
 * weights and {@code --freeze layer3}'s vertices frozen, must give the same gradients of what trains (to {@link
 * #TOL}, 1e-4, or as close as PyTorch's own float32 step gets, whichever is looser: the random draw, and with
 * it how many digits float32 keeps through layer4, depends on the CPU's vector width; on an AVX2-only EPYC both
 * are at 1.85e-2), none of what is frozen, and move only the unfrozen batch norms' running statistics.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class FreezeTest {

    /** float32 against float64 through layer4's backward (BENCHMARKS.md part 9: float32 error grows through the deep stages). */
    private static final double TOL = 1e-4;
    /** How much further from float64 than PyTorch's float32 step our float32 step may be, per tensor. */
    private static final double PEER_FACTOR = 1.5;

    @TempDir
    static Path dir;
    private static ComputationGraph net;
    private static Set<String> frozen;
    private static Map<String, TorchTensor> grads;
    private static Map<String, TorchTensor> grads32;
    private static Map<String, TorchTensor> after;
    private static Map<String, TorchTensor> before;

    @BeforeAll
    static void stepBothFrozen() throws Exception {
        TorchPython.runScript(FreezeTest.class, "torch_freeze.py", dir, dir.toString());
        net = new ComputationGraph(Networks.resNet50(10, 64, 7));
        net.init();
        net.initGradientsView();
        before = TorchStateDict.read(dir.resolve("weights.pth"), "weights.pth");
        TorchWeights.load(before, "weights.pth", net);
        frozen = Networks.frozenVertices(net, "layer3");
        INDArray x = TorchPython.floats(dir.resolve("input.f32"), 8, 3, 64, 64);
        int[] labels = Arrays.stream(Files.readString(dir.resolve("labels.txt")).trim().split(" ")).mapToInt(Integer::parseInt).toArray();
        INDArray oneHot = Nd4j.zeros(8, 10);
        for (int i = 0; i < labels.length; i++) {
            oneHot.putScalar(i, labels[i], 1f);
        }
        new NativeGraph(net, frozen).gradient(x, oneHot);
        grads = TorchStateDict.read(dir.resolve("grads.pth"), "grads.pth");
        grads32 = TorchStateDict.read(dir.resolve("grads32.pth"), "grads32.pth");
        after = TorchStateDict.read(dir.resolve("after.pth"), "after.pth");
    }

    /** The gradient view as torch's names: a copy of the network holding the gradients as its parameters. */
    private static Map<String, TorchTensor> ourGradients() {
        ComputationGraph copy = net.clone();
        copy.setParams(net.getFlattenedGradients());
        return TorchWeights.stateDict(copy);
    }

    @Test
    void whatTrainsGetsPyTorchsGradients() {
        Map<String, TorchTensor> ours = ourGradients();
        double worst = 0;
        String worstName = null;
        for (Map.Entry<String, TorchTensor> e : grads.entrySet()) {
            double error = relative(ours.get(e.getKey()).values(), e.getValue().values());
            double torch32 = relative(grads32.get(e.getKey()).values(), e.getValue().values());
            double allowed = Math.max(TOL, PEER_FACTOR * torch32);
            if (error / allowed > worst) {
                worst = error / allowed;
                worstName = String.format("%s: ours %.2e, PyTorch float32 %.2e", e.getKey(), error, torch32);
            }
        }
        System.out.printf("--freeze layer3: %d trained tensors against PyTorch float64, worst against its allowance %.2f (%s)%n",
                grads.size(), worst, worstName);
        assertEquals(3 * 3 * 3 + 1 + 2 + 2, grads.size(), "layer4's 3 blocks (3 conv + 3 bn x 2), its projection (conv, bn x 2), fc");
        assertTrue(worst <= 1, worstName + " (allowed: " + TOL + ", or " + PEER_FACTOR + " x PyTorch float32's error)");
    }

    @Test
    void whatIsFrozenGetsNoGradientAndKeepsItsStatistics() {
        Map<String, TorchTensor> ours = ourGradients();
        int frozenTensors = 0;
        for (Map.Entry<String, TorchTensor> e : ours.entrySet()) {
            String vertex = e.getKey().substring(0, e.getKey().lastIndexOf('.'));
            if (frozen.contains(vertex)) {
                frozenTensors++;
                for (float v : e.getValue().values()) {
                    assertEquals(0f, v, e.getKey() + " of a frozen layer has a gradient");
                }
            } else if (e.getKey().endsWith("running_mean") || e.getKey().endsWith("running_var")) {
                // our entry is the delta to subtract: old - delta must be torch's moved statistic
                float[] old = before.get(e.getKey()).values();
                float[] delta = e.getValue().values();
                float[] moved = new float[old.length];
                for (int i = 0; i < old.length; i++) {
                    moved[i] = old[i] - delta[i];
                }
                assertTrue(relative(moved, after.get(e.getKey()).values()) <= TOL, e.getKey() + " moved unlike torch's");
            }
        }
        assertEquals(5 + 15 * (3 + 4 + 6) + 3 * 5, frozenTensors,
                "every tensor of the stem (conv, bn x 4), the 13 bottlenecks of layer1-3 (15 each) and their 3 projections (5 each)");
        for (String name : after.keySet()) {
            String vertex = name.substring(0, name.lastIndexOf('.'));
            if (frozen.contains(vertex) && name.startsWith("running", name.lastIndexOf('.') + 1)) {
                assertTrue(Arrays.equals(before.get(name).values(), after.get(name).values()), name + " moved in torch too");
            }
        }
    }

    @Test
    void frozenStagesLeadTheParameterVector() {
        ParamLayout layout = Dl4jDescription.layout(net, frozen);
        long firstTrained = Long.MAX_VALUE;
        long frozenEnd = 0;
        for (org.deeplearning4j.nn.api.Layer layer : net.getLayers()) {
            for (INDArray view : layer.paramTable().values()) {
                long start = view.offset() - net.params().offset();
                if (frozen.contains(layer.conf().getLayer().getLayerName())) {
                    frozenEnd = Math.max(frozenEnd, start + view.length());
                } else {
                    firstTrained = Math.min(firstTrained, start);
                }
            }
        }
        assertEquals(firstTrained, layout.trainedFrom());
        assertEquals(frozenEnd, layout.trainedFrom(), "nothing trained between frozen parameters");
        assertEquals(0, Dl4jDescription.layout(net).trainedFrom());
        assertThrows(IllegalArgumentException.class, () -> Dl4jDescription.layout(net, Set.of("fc")));
        assertThrows(IllegalArgumentException.class, () -> Networks.frozenVertices(net, "layer5"));
    }

    private static double relative(float[] got, float[] want) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < want.length; i++) {
            diff += (got[i] - want[i]) * (double) (got[i] - want[i]);
            norm += want[i] * (double) want[i];
        }
        return Math.sqrt(diff / norm);
    }
}
