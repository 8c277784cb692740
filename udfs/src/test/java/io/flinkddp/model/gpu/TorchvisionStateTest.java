package io.flinkddp.model.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.flinkddp.model.Dl4jDescription;
import io.flinkddp.model.ModelDescription;
import io.flinkddp.model.Networks;
import io.flinkddp.model.ResNetDescription;
import io.flinkddp.model.weights.TorchStateDict;
import io.flinkddp.model.weights.TorchTensor;
import io.flinkddp.model.weights.TorchWeights;
import io.flinkddp.testing.TorchPython;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code bin/gpu-check}'s mapping between a replica's vector and torchvision's state_dict, without a GPU:
 * torchvision's resnet50 (Debian's {@code python3-torchvision}) has exactly the entries and shapes of
 * {@link ResNetDescription#resNet50}'s state_dict, 23,528,522 trainable at 10 classes, and its values go
 * in and come out unchanged; on a DL4J network the mapping is the {@code .pth} reader's
 * ({@link TorchWeights#stateDict}) value for value.
 */
class TorchvisionStateTest {

    @TempDir
    Path dir;

    @Test
    void torchvisionsStateDictGoesInAndComesOutUnchanged() throws Exception {
        Path pth = dir.resolve("resnet50.pth");
        TorchPython.runScript(TorchvisionStateTest.class, "resnet50_state_dict.py", dir, pth.toString());
        Map<String, TorchTensor> torch = TorchStateDict.read(pth, pth.toString());
        ModelDescription model = ResNetDescription.resNet50(10);
        Map<String, float[]> values = new LinkedHashMap<>();
        torch.forEach((name, t) -> values.put(name, t.values()));
        float[] vector = TorchvisionState.vector(model, values);
        Map<String, TorchvisionState.Tensor> ours = TorchvisionState.stateDict(model, vector, false, 7);
        assertEquals(new TreeSet<>(torch.keySet()), new TreeSet<>(ours.keySet()));
        for (Map.Entry<String, TorchTensor> e : torch.entrySet()) {
            assertArrayEquals(e.getValue().shape(), ours.get(e.getKey()).shape(), e.getKey());
            if (!e.getKey().endsWith("num_batches_tracked")) {
                assertArrayEquals(e.getValue().values(), ours.get(e.getKey()).values(), e.getKey());
            }
        }
        long trainable = TorchvisionState.stateDict(model, vector, true, 0).values().stream().mapToLong(t -> t.values().length).sum();
        assertEquals(23_528_522, trainable, "torchvision's resnet50 at 10 classes has 23,528,522 trainable parameters");
        values.remove("layer4.2.bn3.running_var");
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> TorchvisionState.vector(model, values));
        assertEquals("no layer4.2.bn3.running_var in the state_dict", missing.getMessage());
    }

    @Test
    void onADl4jNetworkItIsThePthReadersMapping() {
        ComputationGraph net = new ComputationGraph(Networks.resNet50(3, 32, 3));
        net.init();
        Random random = new Random(5);
        float[] values = new float[(int) net.numParams()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        net.params().assign(Nd4j.createFromArray(values).reshape(net.params().shape()));
        Map<String, TorchTensor> reader = TorchWeights.stateDict(net);
        Map<String, TorchvisionState.Tensor> ours = TorchvisionState.stateDict(Dl4jDescription.of(net), values, false, 0);
        assertEquals(reader.size() + 53, ours.size(), "ours adds num_batches_tracked to each of the 53 batch norms");
        reader.forEach((name, t) -> {
            assertArrayEquals(t.shape(), ours.get(name).shape(), name);
            assertArrayEquals(t.values(), ours.get(name).values(), name);
        });
    }
}
