package io.flinkddp.model.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flinkddp.config.InvalidSettingsException;
import io.flinkddp.model.Networks;
import io.flinkddp.testing.TorchPython;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files users may pass to {@code --init-weights} by mistake, made by PyTorch (torch_bad_weights.py): a
 * state_dict of another architecture and a truncated download. Each is one line naming the option, the
 * file and the entry, and the network keeps its own initialisation.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class BadWeightsTest {

    @TempDir
    static Path dir;

    @BeforeAll
    static void writeFiles() throws Exception {
        TorchPython.runScript(BadWeightsTest.class, "torch_bad_weights.py", dir, dir.toString());
    }

    @Test
    void aResNet18StateDictIsRefusedNamingTheFirstEntryThatDoesNotFit() {
        ComputationGraph net = net();
        float[] before = net.params().toFloatVector();
        String uri = dir.resolve("resnet18.pth").toUri().toString();
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class, () -> InitialWeights.load(uri, net));
        assertTrue(e.getMessage().startsWith("--init-weights: layer1.0.conv1.weight: shape [64, 64, 3, 3] in " + uri
                + ", the network has [64, 64, 1, 1]"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        assertTrue(Arrays.equals(before, net.params().toFloatVector()), "nothing written into the network");
    }

    @Test
    void aTruncatedDownloadIsRefusedNamingTheFile() throws Exception {
        ComputationGraph net = net();
        float[] before = net.params().toFloatVector();
        byte[] whole = Files.readAllBytes(dir.resolve("resnet50-10.pth"));
        Path cut = Files.write(dir.resolve("resnet50-cut.pth"), Arrays.copyOf(whole, whole.length / 2));
        String uri = cut.toUri().toString();
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class, () -> InitialWeights.load(uri, net));
        assertTrue(e.getMessage().startsWith("--init-weights: "), e.getMessage());
        assertTrue(e.getMessage().contains("resnet50-cut.pth"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        assertTrue(Arrays.equals(before, net.params().toFloatVector()), "nothing written into the network");
    }

    private static ComputationGraph net() {
        ComputationGraph net = new ComputationGraph(Networks.resNet50(10, 32, 7));
        net.init();
        return net;
    }
}
