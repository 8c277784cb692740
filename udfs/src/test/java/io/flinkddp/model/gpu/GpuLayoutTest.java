package io.flinkddp.model.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flinkddp.model.Dl4jDescription;
import io.flinkddp.model.ModelDescription;
import io.flinkddp.model.Networks;
import io.flinkddp.model.weights.TorchTensor;
import io.flinkddp.model.weights.TorchWeights;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The GPU engine's layout against the CPU's, without a GPU: a resnet50's flattened vector (DL4J's order,
 * random values) taken into the GPU's order is exactly torchvision's {@code state_dict} (as the
 * {@code .pth} reader and writer map it) in {@link GpuResNet}'s order, trainable tensors then running
 * statistics; back again it is unchanged; a chunk's pieces cover its slice once; other networks are refused.
 */
class GpuLayoutTest {

    @Test
    void dl4jOrderMapsOntoTorchvisionsStateDictInTheGpusOrder() {
        ComputationGraph net = new ComputationGraph(Networks.resNet50(10, 32, 3));
        net.init();
        Random random = new Random(5);
        float[] values = new float[(int) net.numParams()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        net.params().assign(Nd4j.createFromArray(values).reshape(net.params().shape()));
        GpuLayout layout = GpuLayout.of(Dl4jDescription.of(net), GpuResNet.layout(10));
        assertEquals(net.numParams(), layout.size());

        Map<String, TorchTensor> stateDict = TorchWeights.stateDict(net);
        float[] expected = new float[values.length];
        int at = 0;
        for (GpuResNet.Kind kind : new GpuResNet.Kind[] {GpuResNet.Kind.TRAINABLE, null}) {
            for (GpuResNet.Entry e : GpuResNet.layout(10)) {
                boolean wanted = kind != null ? e.kind() == kind : e.kind() == GpuResNet.Kind.RUNNING_MEAN || e.kind() == GpuResNet.Kind.RUNNING_VAR;
                if (wanted) {
                    float[] tensor = stateDict.get(e.name()).values();
                    System.arraycopy(tensor, 0, expected, at, tensor.length);
                    at += tensor.length;
                }
            }
        }
        assertEquals(values.length, at);
        float[] gpu = layout.toGpuOrder(values);
        assertArrayEquals(expected, gpu, "GPU order is torchvision's state_dict, trainables then statistics");
        assertArrayEquals(values, layout.toDl4jOrder(gpu));
    }

    @Test
    void aChunksPiecesCoverItOnce() {
        ComputationGraph net = new ComputationGraph(Networks.resNet50(3, 32, 3));
        net.init();
        GpuLayout layout = GpuLayout.of(Dl4jDescription.of(net), GpuResNet.layout(3));
        float[] dl4j = new float[(int) layout.size()];
        for (int i = 0; i < dl4j.length; i++) {
            dl4j[i] = i;
        }
        float[] gpu = layout.toGpuOrder(dl4j);
        for (long from = 0; from < layout.size(); from += 524_288) {
            int length = (int) Math.min(524_288, layout.size() - from);
            float[] slice = new float[length];
            int[] covered = new int[1];
            layout.pieces(from, length, (gpuOffset, sliceOffset, n) -> {
                System.arraycopy(gpu, (int) gpuOffset, slice, sliceOffset, n);
                covered[0] += n;
            });
            assertEquals(length, covered[0]);
            for (int i = 0; i < length; i++) {
                assertEquals(from + i, slice[i], "entry " + (from + i));
            }
        }
    }

    @Test
    void otherNetworksAreRefusedByName() {
        ComputationGraph small = new ComputationGraph(Networks.smallCnn(3, 32, 1));
        small.init();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GpuLayout.of(Dl4jDescription.of(small), GpuResNet.layout(3)));
        assertTrue(e.getMessage().contains("conv1.bias") || e.getMessage().contains("resnet50"), e.getMessage());
        ComputationGraph other = new ComputationGraph(Networks.resNet50(4, 32, 1));
        other.init();
        ModelDescription four = Dl4jDescription.of(other);
        assertThrows(IllegalArgumentException.class, () -> GpuLayout.of(four, GpuResNet.layout(3)));
    }
}
