package io.flinkddp.model.gpu;

import io.flinkddp.model.BatchStats;
import io.flinkddp.model.EngineBuffer;
import io.flinkddp.model.ModelDescription;
import io.flinkddp.model.ResNetDescription;
import io.flinkddp.model.weights.TorchStateDict;
import io.flinkddp.model.weights.TorchTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code bin/gpu-check}: trains torchvision's resnet50 on one batch on one GPU with the GPU engine
 * ({@link GpuEngine} on {@link CudaOps}, the network {@link ResNetDescription#resNet50}), so that {@code bench/gpu-check-peer.py} can do the same in PyTorch on the same GPU and the
 * two can be compared: the first step's gradient, the state after all steps, the step time and the memory.
 *
 * <pre>
 * GpuCheck --init-weights W.pth --images X.npy --labels Y.npy --precision fp32|tf32 --warmup W --steps K --output DIR
 *          [--lr 0.01] [--momentum 0.9] [--device N] [--graphs on|off] [--profile R]
 * </pre>
 * {@code X.npy}: uint8 [N, H, W, 3] RGB, resized and cropped (H = W); {@code Y.npy}: int64 [N]. Runs W untimed, then K
 * timed steps (training mode, mean cross-entropy, SGD with momentum; each step uploads the batch, as training does) on that batch, and writes
 * {@code --profile R} then times each op over R steps run op by op ({@code DIR/profile.txt}) and prints them against
 * the roofline ({@link StepCost}). With {@code --graphs on} (the default) each step after the first two is one launch of a captured CUDA graph.
 * {@code DIR/gradients.npz} (the first step's mean gradient of every trainable tensor), {@code DIR/state.npz} (every
 * state_dict entry after all steps) and {@code DIR/step.json}. Needs no ND4J, DL4J or Flink: only JavaCPP's CUDA
 * presets, the pickle library and the project's classes.
 */
public final class GpuCheck {

    private GpuCheck() {
    }

    public static void main(String[] args) throws Exception {
        try {
            run(args);
        } catch (IllegalArgumentException | GpuUnavailableException e) {
            System.err.println("gpu-check: " + e.getMessage());
            System.exit(2);
        }
    }

    private static void run(String[] args) throws Exception {
        Map<String, String> options = options(args);
        Path weights = Path.of(require(options, "init-weights"));
        Path imagesFile = Path.of(require(options, "images"));
        Path labelsFile = Path.of(require(options, "labels"));
        Precision precision = Precision.valueOf(options.getOrDefault("precision", "tf32").toUpperCase(Locale.ROOT));
        int warmup = Integer.parseInt(options.getOrDefault("warmup", "3"));
        int steps = Integer.parseInt(options.getOrDefault("steps", "10"));
        Path output = Path.of(require(options, "output"));
        float lr = Float.parseFloat(options.getOrDefault("lr", "0.01"));
        float momentum = Float.parseFloat(options.getOrDefault("momentum", "0.9"));
        int deviceIndex = Integer.parseInt(options.getOrDefault("device", "0"));
        String graphs = options.getOrDefault("graphs", "on");
        if (!graphs.equals("on") && !graphs.equals("off")) {
            throw new IllegalArgumentException("--graphs is on or off, not " + graphs);
        }
        java.util.Optional<String> unavailable = GpuAvailability.problem();
        if (unavailable.isPresent()) {
            throw new GpuUnavailableException(unavailable.get());
        }
        Files.createDirectories(output);

        Map<String, TorchTensor> state = TorchStateDict.read(weights, weights.toString());
        TorchTensor fc = state.get("fc.weight");
        if (fc == null) {
            throw new IllegalArgumentException(weights + " has no fc.weight: not a torchvision resnet50 state_dict");
        }
        int classes = (int) fc.shape()[0];
        Npy.Array images = Npy.read(imagesFile);
        long[] s = images.shape();
        if (s.length != 4 || s[3] != 3 || s[1] != s[2]) {
            throw new IllegalArgumentException(imagesFile + ": expected uint8 [N, H, W, 3] with H = W, found " + Arrays.toString(s));
        }
        int[] labels = Npy.read(labelsFile).ints();
        int n = (int) s[0];
        int side = (int) s[1];
        if (labels.length != n) {
            throw new IllegalArgumentException(labelsFile + " has " + labels.length + " labels for " + n + " images");
        }

        ModelDescription model = ResNetDescription.resNet50(classes);
        Map<String, float[]> initial = new LinkedHashMap<>();
        state.forEach((name, t) -> initial.put(name, t.values()));
        float[] parameters = TorchvisionState.vector(model, initial);
        byte[] pixels = images.bytes();
        int imageBytes = 3 * side * side;
        List<byte[]> batch = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            batch.add(Arrays.copyOfRange(pixels, i * imageBytes, (i + 1) * imageBytes));
        }
        CudaOps ops = new CudaOps(new GpuDevice(deviceIndex), precision);
        try (GpuEngine engine = new GpuEngine(model, parameters, ops, side, graphs.equals("on"))) {
            List<Double> losses = new ArrayList<>();
            List<Double> timed = new ArrayList<>();
            for (int step = 0; step < warmup + steps; step++) {
                long t0 = System.nanoTime();
                BatchStats stats = engine.computeGradient(batch, labels);
                if (step == 0) {
                    writeGradients(output.resolve("gradients.npz"), model, engine.read(EngineBuffer.GRADIENT), n);
                }
                engine.copy(EngineBuffer.GRADIENT, EngineBuffer.SUM);
                engine.sgdStep(EngineBuffer.SUM, n, lr, momentum);
                ops.synchronize();
                long t1 = System.nanoTime();
                losses.add(stats.lossSum() / n);
                if (step >= warmup) {
                    timed.add((t1 - t0) / 1e6);
                }
                System.out.printf(Locale.ROOT, "step %d loss %.6f %.2f ms%n", step + 1, losses.get(step), (t1 - t0) / 1e6);
            }
            long profiled = 0;
            if (options.containsKey("profile")) {
                profiled = profile(engine, model, batch, labels, side, precision, Integer.parseInt(options.get("profile")), output);
            }
            long batchesTracked = tracked(state) + warmup + steps + profiled;
            writeState(output.resolve("state.npz"), TorchvisionState.stateDict(model, engine.read(EngineBuffer.PARAMETERS), false,
                    batchesTracked));
            double median = median(timed);
            String json = String.format(Locale.ROOT,
                    "{\"device\": \"%s (device %d)\", \"precision\": \"%s\", \"batch\": %d, \"side\": %d, \"losses\": [%s], "
                            + "\"step_ms_median\": %.4f, \"images_per_second\": %.1f, \"peak_gpu_bytes\": %d, "
                            + "\"workspace_bytes\": %d, \"graphs\": \"%s\", \"replayed_steps\": %d, \"capture_problem\": %s}%n",
                    ops.device().architecture(), deviceIndex, precision.name().toLowerCase(Locale.ROOT), n, side,
                    losses.stream().map(v -> String.format(Locale.ROOT, "%.8f", v)).collect(Collectors.joining(", ")),
                    median, n / median * 1000, ops.device().peakBytes(), engine.workspaceBytes(), graphs, engine.replayedSteps(),
                    engine.captureProblem() == null ? "null" : "\"" + engine.captureProblem().replace("\"", "'") + "\"");
            Files.writeString(output.resolve("step.json"), json);
            System.out.print(json);
        }
    }

    /**
     * Times each op of {@code repeats} training steps run op by op (after one untimed), writes the mean milliseconds
     * to {@code DIR/profile.txt} ({@code op phase ms} lines) and prints them against the step's cost model
     * ({@link StepCost}: FLOPs, bytes and the H200's roofline at this precision). Returns the steps it ran.
     */
    private static long profile(GpuEngine engine, ModelDescription model, List<byte[]> batch, int[] labels, int side,
                                Precision precision, int repeats, Path output) throws IOException {
        engine.profileStep(batch, labels);
        Map<String, Double> total = new LinkedHashMap<>();
        for (int r = 0; r < repeats; r++) {
            engine.profileStep(batch, labels).forEach((k, v) -> total.merge(k, v, Double::sum));
        }
        total.replaceAll((label, ms) -> ms / repeats);
        Map<StepCost.Key, Double> millis = StepCost.timings(total);
        StringBuilder lines = new StringBuilder("# op phase ms: the mean of " + repeats + " steps run op by op\n");
        total.forEach((label, ms) -> lines.append(label.contains(" ") ? "" : "# ").append(label).append(' ')
                .append(String.format(Locale.ROOT, "%.5f", ms)).append('\n'));
        Files.writeString(output.resolve("profile.txt"), lines);
        StepCost cost = StepCost.of(model, labels.length, side, precision.bytesPerActivation());
        System.out.print(cost.table(millis, precision.peaks()));
        return repeats + 1;
    }

    /** The first step's gradient as PyTorch's {@code .grad} holds it after {@code loss.backward()}: the mean over the images. */
    private static void writeGradients(Path file, ModelDescription model, float[] gradient, int images) throws IOException {
        Map<String, byte[]> arrays = new LinkedHashMap<>();
        for (Map.Entry<String, TorchvisionState.Tensor> g : TorchvisionState.stateDict(model, gradient, true, 0).entrySet()) {
            float[] mean = g.getValue().values();
            for (int i = 0; i < mean.length; i++) {
                mean[i] /= images;
            }
            arrays.put(g.getKey(), Npy.encode(mean, g.getValue().shape()));
        }
        Npy.writeNpz(file, arrays);
    }

    private static void writeState(Path file, Map<String, TorchvisionState.Tensor> state) throws IOException {
        Map<String, byte[]> arrays = new LinkedHashMap<>();
        for (Map.Entry<String, TorchvisionState.Tensor> e : state.entrySet()) {
            arrays.put(e.getKey(), e.getKey().endsWith("num_batches_tracked")
                    ? Npy.encode(new long[] {(long) e.getValue().values()[0]}) : Npy.encode(e.getValue().values(), e.getValue().shape()));
        }
        Npy.writeNpz(file, arrays);
    }

    /** The batches the weights' batch norms had tracked (bn1's counter; 0 if the file has none). */
    private static long tracked(Map<String, TorchTensor> state) {
        TorchTensor counter = state.get("bn1.num_batches_tracked");
        return counter == null || counter.values().length == 0 ? 0 : (long) counter.values()[0];
    }

    private static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted[sorted.length / 2];
    }

    /** This host cannot run the GPU engine; the message says why. */
    static final class GpuUnavailableException extends Exception {
        GpuUnavailableException(String message) {
            super(message);
        }
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --option value pairs, found " + args[i]);
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        return options;
    }

    private static String require(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return value;
    }
}
