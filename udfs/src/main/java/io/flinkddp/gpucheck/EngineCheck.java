package io.flinkddp.gpucheck;

import io.flinkddp.model.BatchStats;
import io.flinkddp.model.EngineBuffer;
import io.flinkddp.model.ModelDescription;
import io.flinkddp.model.ResNetDescription;
import io.flinkddp.model.gpu.CudaOps;
import io.flinkddp.model.gpu.GpuAvailability;
import io.flinkddp.model.gpu.GpuDevice;
import io.flinkddp.model.gpu.GpuEngine;
import io.flinkddp.model.gpu.GpuOps;
import io.flinkddp.model.gpu.HostOps;
import io.flinkddp.model.gpu.Precision;
import io.flinkddp.model.gpu.StepCost;
import io.flinkddp.train.GradientAveraging;
import io.flinkddp.train.LocalSteps;
import io.flinkddp.train.UpdateRule;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

/**
 * The GPU engine on a GPU ({@link CudaOps}) against the same engine on {@link HostOps} (the plain-Java
 * operations, which the engine contract holds to DL4J in float64 in CI), without ND4J or DL4J, so it runs
 * where {@code bin/gpu-check} runs. ResNet50's stages 1-2 at 32 px, 5 classes, batch-norm statistics and
 * affine terms randomised, fp32: the first gradient per tensor (relative L2 within 1e-4) and its logits,
 * inference logits, three SGD steps, accumulation over two micro-batches and a round of two local steps
 * (parameters within 1e-4), and, on the GPU alone, a warm engine against a fresh one (bit-identical
 * gradients), slices out and in, gradient reports in reverse order covering the vector, and close
 * giving the memory back. Prints one line per check; exit code 1 if any fails, 2 without a usable GPU.
 * ({@code EngineCheckTest} runs the same checks with {@link HostOps} on both sides, where there is no GPU.)
 *
 * <pre>EngineCheck [--device N]</pre>
 */
public final class EngineCheck {

    private static final int SIDE = 32;
    private static final int CLASSES = 5;
    private static final double TOL = 1e-4;
    private final List<String> failures = new ArrayList<>();

    EngineCheck() {
    }

    public static void main(String[] args) {
        int device = args.length == 2 && args[0].equals("--device") ? Integer.parseInt(args[1]) : 0;
        GpuAvailability.problem().ifPresent(problem -> {
            System.err.println("engine-check: " + problem);
            System.exit(2);
        });
        List<String> failures = new EngineCheck().run(() -> new CudaOps(new GpuDevice(device), Precision.FP32));
        System.out.println(failures.isEmpty() ? "ENGINE CHECK PASS" : "ENGINE CHECK FAIL: " + failures);
        System.exit(failures.isEmpty() ? 0 : 1);
    }

    /** Runs every check with engines on {@code underTest}'s operations; returns the checks that failed. */
    List<String> run(Supplier<GpuOps> underTest) {
        ModelDescription model = ResNetDescription.of(new int[] {2, 1}, CLASSES);
        float[] parameters = parameters(model, 7);
        List<byte[]> images = images(11, 4);
        int[] labels = {0, 3, 4, 1};
        try (GpuEngine host = new GpuEngine(model, parameters, new HostOps(), SIDE);
             GpuEngine gpu = new GpuEngine(model, parameters, underTest.get(), SIDE)) {
            BatchStats hostStats = host.computeGradient(images, labels);
            BatchStats gpuStats = gpu.computeGradient(images, labels);
            check("training loss", relative(new float[] {(float) gpuStats.lossSum()}, new float[] {(float) hostStats.lossSum()}), TOL);
            perTensor(model, "gradient of ", gpu.read(EngineBuffer.GRADIENT), host.read(EngineBuffer.GRADIENT));
            check("inference logits", relative(flat(gpu.logits(images)), flat(host.logits(images))), TOL);
            for (int step = 0; step < 3; step++) {
                for (GpuEngine e : List.of(host, gpu)) {
                    e.computeGradient(images, labels);
                    e.copy(EngineBuffer.GRADIENT, EngineBuffer.SUM);
                    e.sgdStep(EngineBuffer.SUM, labels.length, 0.05, 0.9);
                }
            }
            check("parameters after 3 SGD steps", relative(gpu.read(EngineBuffer.PARAMETERS), host.read(EngineBuffer.PARAMETERS)), TOL);
            check("momentum after 3 SGD steps", relative(gpu.read(EngineBuffer.MOMENTUM), host.read(EngineBuffer.MOMENTUM)), 1e-3);
            for (UpdateRule rule : List.of(new GradientAveraging(2), new LocalSteps(2))) {
                for (GpuEngine e : List.of(host, gpu)) {
                    round(e, rule, images, labels);
                }
                check(rule.getClass().getSimpleName() + " round", relative(gpu.read(EngineBuffer.PARAMETERS),
                        host.read(EngineBuffer.PARAMETERS)), 1e-3);
            }
            gpuAlone(model, gpu, parameters, images, labels, underTest);
        }
        stepGraphs(model, parameters, underTest);
        profile(model, parameters, images, labels, underTest);
        return failures;
    }

    /** A profiled step is a step (the same gradient) whose laps time every row of the step's cost model. */
    private void profile(ModelDescription model, float[] parameters, List<byte[]> images, int[] labels, Supplier<GpuOps> underTest) {
        try (GpuEngine engine = new GpuEngine(model, parameters, underTest.get(), SIDE)) {
            engine.computeGradient(images, labels);
            float[] plain = engine.read(EngineBuffer.GRADIENT);
            Map<String, Double> laps = engine.profileStep(images, labels);
            Map<StepCost.Key, Double> millis = StepCost.timings(laps);
            StepCost cost = StepCost.of(model, labels.length, SIDE, 4);
            boolean named = cost.covers(millis) && laps.containsKey("images") && laps.containsKey("loss")
                    && laps.values().stream().allMatch(ms -> ms >= 0);
            check("a profiled step times every op and phase (" + laps.size() + " laps)", named ? 0 : 1, 0);
            check("a profiled step's gradient is the step's", relative(engine.read(EngineBuffer.GRADIENT), plain), 1e-5);
            cost.table(millis, StepCost.Peaks.H200_FP32);
        }
    }

    /**
     * Steps captured once per batch shape and replayed (CUDA graphs) against the same steps run op by op, on
     * the same operations: a new batch each step, a ragged one in between, SGD steps between them, inference
     * too. A replay that read a batch captured by value, or memory that moved, would differ.
     */
    private void stepGraphs(ModelDescription model, float[] parameters, Supplier<GpuOps> underTest) {
        double worst = 0;
        try (GpuEngine eager = new GpuEngine(model, parameters, underTest.get(), SIDE, false);
             GpuEngine graphs = new GpuEngine(model, parameters, underTest.get(), SIDE, true)) {
            Random random = new Random(5);
            for (int step = 0; step < 6; step++) {
                int n = step == 3 ? 3 : 4;
                List<byte[]> batch = images(100 + step, n);
                int[] batchLabels = random.ints(n, 0, CLASSES).toArray();
                float[][] logits = new float[2][];
                for (GpuEngine e : List.of(eager, graphs)) {
                    e.computeGradient(batch, batchLabels);
                    e.copy(EngineBuffer.GRADIENT, EngineBuffer.SUM);
                    e.sgdStep(EngineBuffer.SUM, n, 0.05, 0.9);
                    logits[e == eager ? 0 : 1] = flat(e.logits(batch));
                }
                worst = Math.max(worst, relative(graphs.read(EngineBuffer.GRADIENT), eager.read(EngineBuffer.GRADIENT)));
                worst = Math.max(worst, relative(logits[1], logits[0]));
            }
            worst = Math.max(worst, relative(graphs.read(EngineBuffer.PARAMETERS), eager.read(EngineBuffer.PARAMETERS)));
            check("captured steps (" + graphs.replayedSteps() + " replayed) equal steps run op by op", worst, 1e-5);
            check("steps were captured" + (graphs.captureProblem() == null ? "" : ": " + graphs.captureProblem()),
                    graphs.replayedSteps() >= 6 && graphs.captureProblem() == null ? 0 : 1, 0);
        }
    }

    /** What needs no reference: determinism, slices, reports, memory. */
    private void gpuAlone(ModelDescription model, GpuEngine warm, float[] parameters, List<byte[]> images, int[] labels,
                          Supplier<GpuOps> underTest) {
        warm.write(EngineBuffer.PARAMETERS, parameters);
        warm.evaluate(images(12, 6), new int[6]);
        warm.computeGradient(images(13, 3), new int[] {1, 1, 1});
        warm.computeGradient(images, labels);
        float[] warmGradient = warm.read(EngineBuffer.GRADIENT);
        long held;
        try (GpuEngine fresh = new GpuEngine(model, parameters, underTest.get(), SIDE)) {
            List<long[]> ranges = new ArrayList<>();
            fresh.onGradientFinal((from, to) -> ranges.add(new long[] {from, to}));
            fresh.computeGradient(images, labels);
            check("warm and fresh engines' gradients bit-identical", Arrays.equals(warmGradient, fresh.read(EngineBuffer.GRADIENT)) ? 0 : 1, 0);
            long covered = ranges.stream().mapToLong(r -> r[1] - r[0]).sum();
            boolean reverse = true;
            for (int i = 1; i < ranges.size(); i++) {
                reverse &= ranges.get(i)[1] <= ranges.get(i - 1)[0];
            }
            check("gradient reports in reverse order covering the vector", reverse && covered == model.layout().numParams() ? 0 : 1, 0);
            float[] slice = new float[1000];
            Arrays.fill(slice, 3.5f);
            fresh.putIn(EngineBuffer.SUM, 12345, slice);
            float[] back = new float[1000];
            fresh.copyOut(EngineBuffer.SUM, 12345, back);
            check("a slice out is the slice put in", Arrays.equals(slice, back) ? 0 : 1, 0);
            held = fresh.heldBytes();
            fresh.close();
            check("close gives the memory back (" + held + " bytes held before)", fresh.heldBytes() == 0 && held > 0 ? 0 : 1, 0);
        }
    }

    private static void round(GpuEngine e, UpdateRule rule, List<byte[]> images, int[] labels) {
        rule.beginRound(e);
        for (int k = 0; k < 2; k++) {
            e.computeGradient(images.subList(2 * k, 2 * k + 2), Arrays.copyOfRange(labels, 2 * k, 2 * k + 2));
            rule.afterMinibatch(e, 2, 0.05, 0.9);
        }
        rule.endRound(e, 4);
        rule.takeOwnWorkAsSums(e);
        rule.apply(e, 4, 0.05, 0.9);
    }

    private void perTensor(ModelDescription model, String what, float[] got, float[] want) {
        double worst = 0;
        String worstName = "";
        for (ModelDescription.Op op : model.ops()) {
            for (ModelDescription.Param p : op.params()) {
                int from = (int) p.offset();
                int to = (int) (p.offset() + p.length());
                double error = relative(Arrays.copyOfRange(got, from, to), Arrays.copyOfRange(want, from, to));
                if (error > worst || Double.isNaN(error)) {
                    worst = error;
                    worstName = ModelDescription.torchName(op, p);
                }
            }
        }
        check(what + "every tensor (worst " + worstName + ")", worst, TOL);
    }

    private void check(String what, double error, double tolerance) {
        boolean ok = error <= tolerance;
        System.out.printf(Locale.ROOT, "%-70s %.3e (bar %.0e) %s%n", what, error, tolerance, ok ? "ok" : "FAIL");
        if (!ok) {
            failures.add(what);
        }
    }

    private static double relative(float[] got, float[] want) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < want.length; i++) {
            diff += ((double) got[i] - want[i]) * ((double) got[i] - want[i]);
            norm += (double) want[i] * want[i];
        }
        return norm == 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
    }

    private static float[] flat(float[][] rows) {
        float[] all = new float[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, all, i * rows[0].length, rows[0].length);
        }
        return all;
    }

    /** Kaiming-scaled weights, batch-norm statistics and affine terms randomised. */
    static float[] parameters(ModelDescription model, long seed) {
        Random random = new Random(seed);
        float[] values = new float[(int) model.layout().numParams()];
        for (ModelDescription.Op op : model.ops()) {
            for (ModelDescription.Param p : op.params()) {
                long fanIn = p.shape().size() == 4 ? p.shape().get(1) * p.shape().get(2) * p.shape().get(3)
                        : p.shape().size() == 2 ? p.shape().get(0) : 1;
                for (int i = 0; i < p.length(); i++) {
                    double v = switch (p.key()) {
                        case "gamma", "var" -> 0.5 + random.nextDouble();
                        case "beta", "mean", "b" -> 0.1 * random.nextGaussian();
                        default -> random.nextGaussian() * Math.sqrt(2.0 / fanIn);
                    };
                    values[(int) p.offset() + i] = (float) v;
                }
            }
        }
        return values;
    }

    static List<byte[]> images(long seed, int count) {
        Random random = new Random(seed);
        List<byte[]> images = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] rgb = new byte[SIDE * SIDE * 3];
            random.nextBytes(rgb);
            images.add(rgb);
        }
        return images;
    }
}
