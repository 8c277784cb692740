package io.flinkddp.model.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.flinkddp.model.ModelDescription;
import io.flinkddp.model.ModelDescription.Kind;
import io.flinkddp.model.ModelDescription.Op;
import io.flinkddp.model.ModelDescription.Param;
import io.flinkddp.model.ParamLayout;
import io.flinkddp.model.ResNetDescription;
import io.flinkddp.model.gpu.StepCost.Cost;
import io.flinkddp.model.gpu.StepCost.Key;
import io.flinkddp.model.gpu.StepCost.Peaks;
import io.flinkddp.model.gpu.StepCost.Phase;
import io.flinkddp.testing.TorchPython;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link StepCost}: resnet50's multiply-adds are those forward hooks count on torchvision's resnet50 (Debian's
 * {@code /usr/bin/python3}; skipped without it), layer by layer; a convolution's backward does twice its forward's
 * FLOPs, the first convolution's once (no image gradient); the bytes of a small residual network, counted by hand;
 * the table with and without timings.
 */
class StepCostTest {

    @TempDir
    Path dir;

    @Test
    void resNet50sMultiplyAddsAreTorchvisions() throws Exception {
        assumeTrue(Files.isExecutable(Path.of(TorchPython.PYTHON)), TorchPython.PYTHON + " is missing: skipped (install Debian's python3)");
        assumeTrue(python("-c", "import torch, torchvision") == 0,
                TorchPython.PYTHON + " cannot import torch and torchvision: skipped (install python3-torch python3-torchvision)");
        Path script = Path.of(StepCostTest.class.getResource("resnet50_macs.py").toURI());
        assertEquals(0, python(script.toString(), "224", "1000"), () -> "resnet50_macs.py failed: " + log());
        Map<String, Long> torch = new LinkedHashMap<>();
        for (String line : Files.readAllLines(dir.resolve("python.log"))) {
            String[] parts = line.split(" ");
            torch.put(parts[0], Long.parseLong(parts[1]));
        }
        StepCost cost = StepCost.of(ResNetDescription.resNet50(1000), 1, 224, 4);
        Map<String, Long> ours = cost.rows().stream().filter(r -> r.phase() == Phase.FORWARD && r.macs() > 0)
                .collect(Collectors.toMap(Cost::op, Cost::macs));
        assertEquals(54, torch.size(), "53 convolutions and fc: " + torch.keySet());
        assertEquals(torch.keySet(), ours.keySet());
        List<String> differ = new ArrayList<>();
        torch.forEach((name, macs) -> {
            if (!macs.equals(ours.get(name))) {
                differ.add(name + ": torch " + macs + ", ours " + ours.get(name));
            }
        });
        assertEquals(List.of(), differ, "layers in torchvision's order");
        long total = torch.values().stream().mapToLong(Long::longValue).sum();
        assertEquals(4_089_184_256L, total, "torchvision's resnet50 at 224 px: 4.09 GMACs");
        assertEquals(total, cost.rows().stream().filter(r -> r.phase() == Phase.FORWARD).mapToLong(Cost::macs).sum());
    }

    @Test
    void aConvolutionsBackwardIsTwiceItsForwardButTheFirstOnesOnce() {
        StepCost cost = StepCost.of(ResNetDescription.resNet50(10), 2, 64, 2);
        Map<Key, Cost> rows = cost.rows().stream().collect(Collectors.toMap(Cost::key, r -> r));
        List<Cost> forwards = cost.rows().stream().filter(r -> r.kind() == Kind.CONVOLUTION && r.phase() == Phase.FORWARD).toList();
        assertEquals(53, forwards.size());
        for (Cost f : forwards) {
            Cost params = rows.get(new Key(f.op(), Phase.BACKWARD_PARAMS));
            Cost data = rows.get(new Key(f.op(), Phase.BACKWARD_DATA));
            assertEquals(f.flops(), params.flops(), f.op());
            if (f.op().equals("conv1")) {
                assertEquals(null, data, "the images need no gradient");
            } else {
                assertEquals(2 * f.flops(), params.flops() + data.flops(), f.op());
            }
        }
        Cost first = forwards.get(0);
        assertEquals(2L * 2 * 64 * 32 * 32 * 3 * 7 * 7, first.flops(), "conv1: 2 images, 64 x 32 x 32 out, 3 x 7 x 7 taps");
        assertEquals(List.of(Phase.FORWARD, Phase.BACKWARD_PARAMS), cost.rows().stream().filter(r -> r.op().equals("fc"))
                .map(Cost::phase).toList().subList(0, 2), "fc's backward runs first: its params, then its data");
    }

    /**
     * input 2x3x8x8 -> c (3x3, stride 2, pad 1, 4 out) -> bn -> r (ReLU) -> c2 (1x1, 4 out) -> a = c2 + r -> p (global
     * average) -> fc (5 classes), in bf16 (2 bytes). r's output goes to c2 and to a, so its backward sums two gradients.
     */
    @Test
    void bytesOfASmallResidualNetworkByHand() {
        StepCost cost = StepCost.of(small(), 2, 8, 2);
        Map<Key, Long> bytes = cost.rows().stream().collect(Collectors.toMap(Cost::key, Cost::bytes, (a, b) -> a, LinkedHashMap::new));
        // x = 2*3*8*8 = 384, W = 4*3*3*3 = 108, y = 2*4*4*4 = 128
        expect(bytes, "c", Phase.FORWARD, 2 * (384 + 108 + 128));
        expect(bytes, "c", Phase.BACKWARD_PARAMS, 2 * (384 + 128 + 108));
        // 128 in and out; gamma, beta, mean, var 4 each
        expect(bytes, "bn", Phase.FORWARD, 2 * (128 + 16 + 128));
        expect(bytes, "bn", Phase.BACKWARD_PARAMS, 2 * (128 + 128 + 8));
        expect(bytes, "bn", Phase.BACKWARD_DATA, 2 * (128 + 128 + 4 + 128));
        expect(bytes, "r", Phase.FORWARD, 2 * (128 + 128));
        expect(bytes, "r", Phase.BACKWARD_DATA, 2 * (128 + 2 * 128 + 128)); // y, two gradients, dx
        // W = 4*4
        expect(bytes, "c2", Phase.FORWARD, 2 * (128 + 16 + 128));
        expect(bytes, "c2", Phase.BACKWARD_PARAMS, 2 * (128 + 128 + 16));
        expect(bytes, "c2", Phase.BACKWARD_DATA, 2 * (128 + 16 + 128));
        expect(bytes, "a", Phase.FORWARD, 2 * (3 * 128));
        expect(bytes, "a", Phase.BACKWARD_DATA, 0);
        // out 2x4x1x1 = 8
        expect(bytes, "p", Phase.FORWARD, 2 * (128 + 8));
        expect(bytes, "p", Phase.BACKWARD_DATA, 2 * (8 + 128));
        // W = 4*5, b = 5, y = 2*5
        expect(bytes, "fc", Phase.FORWARD, 2 * (8 + 25 + 10));
        expect(bytes, "fc", Phase.BACKWARD_PARAMS, 2 * (8 + 10 + 25));
        expect(bytes, "fc", Phase.BACKWARD_DATA, 2 * (10 + 20 + 8));
        assertEquals(List.of(), new ArrayList<>(bytes.keySet()), "no other rows");
        assertEquals(3456, cost.rows().get(0).macs(), "c: 2*4*4*4 outputs, 3*3*3 taps each");
        assertEquals(128 + 128, cost.rows().stream().filter(r -> r.key().equals(new Key("r", Phase.BACKWARD_DATA)))
                .findFirst().orElseThrow().flops(), "r's backward: one mask and one gradient sum per element");
    }

    @Test
    void theTableWithAndWithoutTimings() throws IOException {
        StepCost cost = StepCost.of(ResNetDescription.resNet50(1000), 100, 224, 2);
        Cost conv1 = cost.rows().get(0);
        long conv1Bytes = 2L * (100L * 3 * 224 * 224 + 64 * 3 * 7 * 7 + 100L * 64 * 112 * 112);
        assertEquals(conv1Bytes, conv1.bytes());
        assertEquals(conv1Bytes / 4.8e12, conv1.rooflineSeconds(Peaks.H200_BF16), 1e-12, "conv1's forward is memory bound in bf16");
        assertFalse(conv1.computeBound(Peaks.H200_BF16));
        Cost conv2 = cost.rows().stream().filter(r -> r.op().equals("layer1.0.conv2")).findFirst().orElseThrow();
        double roof = conv2.rooflineSeconds(Peaks.H200_BF16);
        assertEquals(2.0 * 100 * 115_605_504 / 990e12, roof, 1e-12, "a 3x3 convolution over 64 channels is compute bound");
        String bare = cost.table(Map.of(), Peaks.H200_BF16);
        assertTrue(bare.lines().anyMatch(l -> l.startsWith("conv1 ") && l.contains("forward") && l.contains("3x224x224 -> 64x112x112")
                && l.endsWith(" -")), bare);
        assertTrue(bare.lines().anyMatch(l -> l.startsWith("step ")), bare);
        assertFalse(bare.contains("rows timed"), bare);

        Path timings = dir.resolve("timings.txt");
        Files.writeString(timings, "# op phase ms\nlayer1.0.conv2 forward " + 2 * roof * 1e3 + "\n\nbn1 BACKWARD 1.0\n");
        Map<Key, Double> millis = StepCost.readTimings(timings);
        assertEquals(Map.of(new Key("layer1.0.conv2", Phase.FORWARD), 2 * roof * 1e3, new Key("bn1", Phase.BACKWARD), 1.0), millis);
        String timed = cost.table(millis, Peaks.H200_BF16);
        String conv2Line = timed.lines().filter(l -> l.startsWith("layer1.0.conv2 ") && l.contains("forward")).findFirst().orElseThrow();
        assertTrue(conv2Line.endsWith(" compute   50.0%"), conv2Line);
        assertTrue(conv2Line.contains(" 495.0 "), "half of 990 TFLOP/s: " + conv2Line);
        List<String> bn1 = timed.lines().filter(l -> l.startsWith("bn1 ")).toList();
        assertEquals(2, bn1.size(), "bn1's forward and its backward as one row: " + bn1);
        assertTrue(bn1.get(1).contains(" backward "), bn1.get(1));
        long bnBackward = cost.rows().stream().filter(r -> r.op().equals("bn1") && r.phase() != Phase.FORWARD).mapToLong(Cost::bytes).sum();
        assertTrue(bn1.get(1).contains(String.format(Locale.ROOT, " %.2f ", bnBackward / 1e6)), bn1.get(1));
        assertTrue(timed.contains("(2 of "), timed);
        IllegalArgumentException typo = assertThrows(IllegalArgumentException.class,
                () -> cost.table(Map.of(new Key("conv1", Phase.BACKWARD_DATA), 1.0), Peaks.H200_BF16));
        assertEquals("timings for no op and phase of the step: [Key[op=conv1, phase=BACKWARD_DATA]]", typo.getMessage());
    }

    private static void expect(Map<Key, Long> bytes, String op, Phase phase, long want) {
        Long got = bytes.remove(new Key(op, phase));
        assertEquals(Long.valueOf(want), got, op + " " + phase.label);
    }

    private static ModelDescription small() {
        List<Op> ops = new ArrayList<>();
        long[] offset = {0};
        ops.add(op("c", Kind.CONVOLUTION, List.of("input"), 3, 2, 1, 4, List.of(param("W", offset, 4, 3, 3, 3))));
        ops.add(op("bn", Kind.BATCH_NORM, List.of("c"), 0, 0, 0, 4, List.of(param("gamma", offset, 4), param("beta", offset, 4),
                param("mean", offset, 4), param("var", offset, 4))));
        ops.add(op("r", Kind.RELU, List.of("bn"), 0, 0, 0, 0, List.of()));
        ops.add(op("c2", Kind.CONVOLUTION, List.of("r"), 1, 1, 0, 4, List.of(param("W", offset, 4, 4, 1, 1))));
        ops.add(op("a", Kind.ADD, List.of("c2", "r"), 0, 0, 0, 0, List.of()));
        ops.add(op("p", Kind.GLOBAL_AVG_POOL, List.of("a"), 0, 0, 0, 0, List.of()));
        ops.add(op("fc", Kind.CLASSIFIER, List.of("p"), 0, 0, 0, 5, List.of(param("W", offset, 4, 5), param("b", offset, 5))));
        return new ModelDescription("input", ops, new ParamLayout(offset[0], List.of(), 0), 5);
    }

    private static Op op(String name, Kind kind, List<String> inputs, int kernel, int stride, int pad, int out, List<Param> params) {
        boolean norm = kind == Kind.BATCH_NORM;
        return new Op(name, kind, inputs, kernel, stride, pad, out, kind == Kind.RELU, norm ? 1e-5 : 0, norm ? 0.1 : 0, false, params);
    }

    private static Param param(String key, long[] offset, long... shape) {
        Param p = new Param(key, offset[0], Arrays.stream(shape).boxed().toList(), 'c');
        offset[0] += p.length();
        return p;
    }

    private int python(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(TorchPython.PYTHON));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("python.log").toFile()).start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("python.log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
