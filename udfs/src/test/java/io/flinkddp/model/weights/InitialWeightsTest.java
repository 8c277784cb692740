package io.flinkddp.model.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flinkddp.config.InvalidSettingsException;
import io.flinkddp.model.Networks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code --init-weights} from the model.zip of an earlier run, on a two-bottleneck ResNet of ResNet50's layers (fast). */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class InitialWeightsTest {

    @TempDir
    Path dir;

    @Test
    void anEarlierRunsModelZipGivesItsParametersAndStatistics() throws IOException {
        ComputationGraph earlier = net(new int[] {1, 1}, 5, 1);
        earlier.getParam("layer2.0.bn2_var").addi(0.25);  // a running statistic that a fresh net does not have
        String uri = save(earlier);
        ComputationGraph fresh = net(new int[] {1, 1}, 5, 2);
        assertNotEquals(earlier.params(), fresh.params());
        TorchWeights.Loaded loaded = InitialWeights.load(uri, fresh);
        assertFalse(loaded.keptOwnHead());
        assertEquals(earlier.params(), fresh.params());
    }

    @Test
    void anotherClassCountKeepsTheNetworksHead() throws IOException {
        ComputationGraph earlier = net(new int[] {1, 1}, 7, 1);
        ComputationGraph fresh = net(new int[] {1, 1}, 5, 2);
        var ownHead = fresh.getParam("fc_W").dup();
        assertTrue(InitialWeights.load(save(earlier), fresh).keptOwnHead());
        assertEquals(ownHead, fresh.getParam("fc_W"));
        assertEquals(earlier.getParam("layer2.0.conv2_W"), fresh.getParam("layer2.0.conv2_W"));
    }

    @Test
    void anotherArchitectureIsOneLineNamingTheOptionAndTheEntry() throws IOException {
        String uri = save(net(new int[] {2, 1}, 5, 1));
        ComputationGraph fresh = net(new int[] {1, 1}, 5, 2);
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class, () -> InitialWeights.load(uri, fresh));
        assertEquals("--init-weights: layer1.1.conv1.weight: in " + uri + ", but the network has no such parameter"
                + " (and 14 more entries that do not fit)", e.getMessage());
    }

    @Test
    void aMissingFileIsOneLineNamingIt() {
        String uri = dir.resolve("nothing.pth").toUri().toString();
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class, () -> InitialWeights.load(uri, net(new int[] {1, 1}, 5, 1)));
        assertTrue(e.getMessage().startsWith("--init-weights: " + uri + ": "), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }

    private String save(ComputationGraph net) throws IOException {
        Path file = Files.createTempFile(dir, "model-", ".zip");
        ModelSerializer.writeModel(net, file.toFile(), false);
        return file.toUri().toString();
    }

    private static ComputationGraph net(int[] blocks, int classes, long seed) {
        ComputationGraph net = new ComputationGraph(Networks.resNet(blocks, classes, 32, seed));
        net.init();
        return net;
    }
}
