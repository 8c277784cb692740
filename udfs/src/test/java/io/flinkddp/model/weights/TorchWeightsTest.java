package io.flinkddp.model.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flinkddp.model.Networks;
import io.flinkddp.model.kernels.NativeGraph;
import io.flinkddp.testing.TorchPython;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * torchvision's own numbers in our network: torch_weights.py (Debian's python3 with python3-torch and
 * python3-torchvision) saves a seeded resnet50 state_dict with randomised batch-norm statistics, an input batch
 * and its eval-mode activations; the file is read with {@link TorchStateDict}, loaded with {@link
 * TorchWeights}, and our network must give PyTorch's numbers, first for conv1 + bn1 on DL4J's layers, then for
 * the logits on our native kernels. Without torchvision under /usr/bin/python3 the test fails, saying what to
 * install (.ci/run installs it). Also: every entry is read in order with its shape, storage offset and strides;
 * a 1000-class head leaves a network of another class count its own head; {@code --init-weights} reads the file
 * by its URI; a missing, unexpected or misshapen entry, a file that is not a torch.save zip and an unsupported
 * dtype are each one line naming them.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class TorchWeightsTest {

    private static final double TOL = 1e-4;

    @TempDir
    static Path dir;
    private static Map<String, TorchTensor> resnet;

    @BeforeAll
    static void runPyTorch() throws Exception {
        TorchPython.runScript(TorchWeightsTest.class, "torch_weights.py", dir, dir.toString());
        resnet = TorchStateDict.read(new org.apache.flink.core.fs.Path(dir.resolve("resnet50-10.pth").toUri()));
    }

    @Test
    void readsEveryEntryInOrderWithShapes() {
        assertEquals(53 + 53 * 5 + 2, resnet.size(), "53 convolutions, 53 batch norms of 5 entries, fc weight and bias");
        assertEquals("conv1.weight", resnet.keySet().iterator().next());
        assertArrayEquals(new long[] {64, 3, 7, 7}, resnet.get("conv1.weight").shape());
        assertArrayEquals(new long[] {10, 2048}, resnet.get("fc.weight").shape());
        assertArrayEquals(new long[] {}, resnet.get("bn1.num_batches_tracked").shape());
        assertEquals("LongStorage", resnet.get("bn1.num_batches_tracked").storageType());
    }

    @Test
    void honoursStorageOffsetAndStrides() throws IOException {
        Map<String, TorchTensor> views = TorchStateDict.read(Files.newInputStream(dir.resolve("views.pth")), "views.pth");
        assertArrayEquals(new long[] {5, 4}, views.get("view").shape());
        float[] want = new float[20];
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 4; j++) {
                want[i * 4 + j] = j * 6 + i + 1;  // base.t()[1:][i][j] = base[j][i + 1]
            }
        }
        assertArrayEquals(want, views.get("view").values());
        assertEquals(23f, views.get("base").values()[23]);
    }

    /** One torchvision layer's numbers in our network: conv1's weight and bn1's four tensors where DL4J reads them. */
    @Test
    void conv1AndBn1GivePyTorchsActivations() throws IOException {
        ComputationGraph net = loaded(resnet);
        INDArray conv1 = net.feedForward(new INDArray[] {floats("input.f32", 2, 3, 32, 32)}, false, false).get("conv1");
        // bn1 by itself: in the graph's feedForward, DL4J's relu1 rectifies bn1's returned activations in place
        Layer layer = net.getLayer("bn1");
        layer.setInput(conv1, LayerWorkspaceMgr.noWorkspaces());
        INDArray bn1 = layer.activate(false, LayerWorkspaceMgr.noWorkspaces());
        assertTrue(bn1.minNumber().doubleValue() < 0, "bn1 before the ReLU");
        double error = relative(bn1, floats("bn1.f32", 2, 64, 16, 16));
        System.out.printf("conv1 + bn1 (DL4J's layers) against PyTorch: %.2e relative%n", error);
        assertTrue(error <= TOL, "bn1 activations off by " + error);
    }

    @Test
    void resNet50LogitsOnNativeKernelsArePyTorchs() throws IOException {
        ComputationGraph net = loaded(resnet);
        INDArray logits = new NativeGraph(net).logits(floats("input.f32", 2, 3, 32, 32));
        INDArray want = floats("logits.f32", 2, 10);
        double error = relative(logits, want);
        System.out.printf("ResNet50 logits (native kernels) against PyTorch eval mode: %.2e relative%n  ours  %s%n  torch %s%n",
                error, logits, want);
        assertTrue(error <= TOL, "logits off by " + error);
    }

    @Test
    void aThousandClassHeadLeavesTheNetworksOwn() throws IOException {
        Map<String, TorchTensor> imagenet = TorchStateDict.read(Files.newInputStream(dir.resolve("head1000.pth")), "head1000.pth");
        ComputationGraph net = net();
        INDArray ownHead = net.getParam("fc_W").dup();
        TorchWeights.Loaded loaded = TorchWeights.load(imagenet, "head1000.pth", net);
        assertTrue(loaded.keptOwnHead());
        assertEquals(53 + 53 * 4, loaded.tensors());
        assertEquals(ownHead, net.getParam("fc_W"));
        assertArrayEquals(imagenet.get("layer4.2.bn3.running_var").values(), net.getParam("layer4.2.bn3_var").toFloatVector());
    }

    @Test
    void initWeightsReadsTheFileByItsUri() {
        ComputationGraph net = net();
        String uri = dir.resolve("resnet50-10.pth").toUri().toString();
        assertEquals(53 + 53 * 4 + 2, InitialWeights.load(uri, net).tensors());
        assertArrayEquals(resnet.get("layer1.0.downsample.1.running_mean").values(),
                net.getParam("layer1.0.downsample.1_mean").toFloatVector());
        assertArrayEquals(resnet.get("fc.bias").values(), net.getParam("fc_b").toFloatVector());
    }

    @Test
    void aMissingEntryIsNamed() {
        Map<String, TorchTensor> edited = new LinkedHashMap<>(resnet);
        edited.remove("layer3.2.bn1.running_var");
        assertRefused(edited, "layer3.2.bn1.running_var: missing from resnet50-10.pth");
    }

    @Test
    void anUnexpectedEntryIsNamed() {
        Map<String, TorchTensor> edited = new LinkedHashMap<>(resnet);
        edited.put("layer5.0.conv1.weight", resnet.get("layer4.0.conv1.weight"));
        assertRefused(edited, "layer5.0.conv1.weight: in resnet50-10.pth, but the network has no such parameter");
    }

    @Test
    void aWrongShapeIsNamed() {
        Map<String, TorchTensor> edited = new LinkedHashMap<>(resnet);
        edited.put("layer3.2.bn1.running_var", new TorchTensor("FloatStorage", new long[] {512}, new float[512]));
        assertRefused(edited, "layer3.2.bn1.running_var: shape [512] in resnet50-10.pth, the network has [256]");
    }

    @Test
    void aFileThatIsNotATorchZipIsNamed() throws IOException {
        Path text = Files.writeString(dir.resolve("notes.pth"), "not a zip", StandardCharsets.UTF_8);
        IOException e = assertThrows(IOException.class, () -> TorchStateDict.read(Files.newInputStream(text), text.toString()));
        assertTrue(e.getMessage().startsWith(text + " is not a torch.save zip (PyTorch 1.6 or later): "), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());

        Path zip = dir.resolve("other.zip");
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
            out.putNextEntry(new ZipEntry("other/readme.txt"));
            out.write(1);
        }
        e = assertThrows(IOException.class, () -> TorchStateDict.read(new org.apache.flink.core.fs.Path(zip.toUri())));
        assertEquals(new org.apache.flink.core.fs.Path(zip.toUri())
                + " is not a torch.save zip (PyTorch 1.6 or later): it has no <prefix>/data.pkl entry", e.getMessage());
    }

    @Test
    void anUnsupportedDtypeNamesFileAndEntry() {
        IOException e = assertThrows(IOException.class,
                () -> TorchStateDict.read(Files.newInputStream(dir.resolve("half.pth")), "half.pth"));
        assertEquals("half.pth: entry x (HalfStorage 0): only float32 (FloatStorage) and int64 (LongStorage) tensors are read", e.getMessage());
    }

    private static void assertRefused(Map<String, TorchTensor> entries, String message) {
        ComputationGraph net = net();
        INDArray before = net.params().dup();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TorchWeights.load(entries, "resnet50-10.pth", net));
        assertEquals(message, e.getMessage());
        assertEquals(before, net.params(), "a refused file writes nothing");
    }

    private static ComputationGraph net() {
        ComputationGraph net = new ComputationGraph(Networks.resNet50(10, 32, 7));
        net.init();
        net.initGradientsView();
        return net;
    }

    private static ComputationGraph loaded(Map<String, TorchTensor> entries) {
        ComputationGraph net = net();
        TorchWeights.Loaded loaded = TorchWeights.load(entries, "resnet50-10.pth", net);
        assertEquals(53 + 53 * 4 + 2, loaded.tensors());
        return net;
    }

    private static INDArray floats(String file, long... shape) throws IOException {
        return TorchPython.floats(dir.resolve(file), shape);
    }

    /** Largest difference over largest magnitude. */
    private static double relative(INDArray got, INDArray want) {
        return got.sub(want).amaxNumber().doubleValue() / want.amaxNumber().doubleValue();
    }
}
