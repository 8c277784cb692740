package io.flinkddp.gpucheck;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkddp.model.BatchStats;
import io.flinkddp.model.Dl4jDescription;
import io.flinkddp.model.ModelDescription;
import io.flinkddp.model.Networks;
import io.flinkddp.model.ResNetDescription;
import io.flinkddp.model.gpu.GpuAvailability;
import io.flinkddp.model.gpu.GpuEngine;
import io.flinkddp.model.gpu.HostOps;
import io.flinkddp.train.EpochMetrics;
import io.flinkddp.train.ReduceLrOnPlateau;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.commons.math3.random.Well19937c;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GPU machine's training check ({@link TrainCheck}) with the GPU engine on the plain-Java operations
 * ({@code --ops host}), on a learnable toy set (dark and light noisy images, 32 px) and ResNet50's first stage cut
 * to one bottleneck: the command runs end to end and writes a metrics line per epoch with the job's keys and a
 * summary, and the training loss falls; each epoch's validation metrics are those {@link GpuEngine#evaluate} gives
 * for the parameters at that epoch's end (and a run is repeatable); the learning rate follows
 * {@link ReduceLrOnPlateau} fed the run's validation losses, and drops when they stop improving (validation labels
 * against the training rule); the fresh initialisation has the job's distributions (DL4J's network of the same
 * shape); and the check runs with the classes the GPU machine has (ours and commons-math3, no Flink, ND4J or
 * JavaCPP), refusing {@code --ops cuda} without a GPU and an unknown {@code --precision} in one line.
 */
class TrainCheckTest {

    private static final int SIDE = 32;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void runsEndToEndAndTheTrainingLossFalls() throws Exception {
        Path data = write(toySet(16, 8, false));
        Path out = dir.resolve("out");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = TrainCheck.command(new String[] {"--data", data.toString(), "--output", out.toString(), "--ops", "host", "--blocks", "1",
                "--epochs", "2", "--batch-size", "8", "--lr", "0.05"}, new PrintStream(log, true), new PrintStream(err, true));

        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        List<EpochMetrics> history = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
            Map<String, Object> json = JSON.readValue(line, Map.class);
            assertEquals(new EpochMetrics(0, 0, 0, 0, 0, 0, 0, 0, 0).asJson().keySet(), json.keySet(), "the job's metrics.jsonl keys");
            history.add(EpochMetrics.fromJson(json));
        }
        assertEquals(2, history.size());
        assertEquals(List.of(1, 2), history.stream().map(EpochMetrics::epoch).toList());
        assertTrue(history.get(1).trainLoss() < history.get(0).trainLoss(), "the training loss falls: " + history);
        Map<String, Object> summary = JSON.readValue(out.resolve("summary.json").toFile(), Map.class);
        assertEquals("host", summary.get("ops"));
        assertEquals(2, summary.get("steps_per_epoch"));
        assertEquals(EpochMetrics.fromJson((Map<String, ?>) summary.get("final_metrics")), history.get(1));
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("epoch 2/2  train loss"), log.toString(StandardCharsets.UTF_8));
    }

    @Test
    void eachEpochsValidationIsTheEnginesEvaluationAndRunsRepeat() throws Exception {
        SplitArrays toy = toySet(16, 12, false);
        ModelDescription model = ResNetDescription.of(new int[] {1}, 2);
        TrainCheck.Result one = train(toy, 1, 0.05, 2, 0.1);
        TrainCheck.Result two = train(toy, 2, 0.05, 2, 0.1);

        assertEquals(one.history().get(0), withoutTime(two.history().get(0), one.history().get(0)), "the same first epoch twice");
        for (TrainCheck.Result run : List.of(one, two)) {
            EpochMetrics last = run.history().get(run.history().size() - 1);
            BatchStats evaluated;
            try (GpuEngine engine = new GpuEngine(model, run.parameters(), new HostOps(), SIDE)) {
                evaluated = engine.evaluate(toy.validation().images(), toy.validation().labels());
            }
            assertEquals(evaluated.lossSum() / evaluated.samples(), last.valLoss(), 1e-9 * Math.abs(last.valLoss()));
            assertEquals((double) evaluated.top1() / evaluated.samples(), last.valTop1(), 0);
            assertEquals((double) evaluated.top5() / evaluated.samples(), last.valTop5(), 0);
            assertEquals(12, evaluated.samples());
        }
    }

    @Test
    void theRateDropsAsReduceLrOnPlateauSaysWhenValidationStopsImproving() throws Exception {
        TrainCheck.Result run = train(toySet(16, 8, true), 3, 0.05, 0, 0.5);

        ReduceLrOnPlateau scheduler = new ReduceLrOnPlateau(0.05, 0, 0.5);
        List<Double> expected = new ArrayList<>();
        for (EpochMetrics epoch : run.history()) {
            expected.add(scheduler.learningRate());
            scheduler.step(epoch.valLoss());
        }
        List<Double> rates = run.history().stream().map(EpochMetrics::learningRate).toList();
        assertEquals(expected, rates, "validation losses " + run.history().stream().map(EpochMetrics::valLoss).toList());
        assertTrue(rates.get(rates.size() - 1) < 0.05, "the rate dropped: " + rates + ", validation losses "
                + run.history().stream().map(EpochMetrics::valLoss).toList());
    }

    @Test
    void aFreshStartHasTheJobsDistributions() {
        int[] blocks = {1, 1, 1, 1};  // four stages: the classifier takes 2048 features, as resnet50's
        ComputationGraph net = new ComputationGraph(Networks.resNet(blocks, 5, SIDE, 7));
        net.init();
        ModelDescription jobs = Dl4jDescription.of(net, Set.of());
        float[] job = net.params().toFloatVector();
        ModelDescription model = ResNetDescription.of(blocks, 5);
        float[] fresh = TrainCheck.freshParameters(model, 7);
        assertEquals(job.length, fresh.length);
        assertArrayEquals(fresh, TrainCheck.freshParameters(model, 7), "seeded");
        for (ModelDescription.Op op : model.ops()) {
            for (ModelDescription.Param p : op.params()) {
                String name = ModelDescription.torchName(op, p);
                assertEquals(p.offset(), jobs.op(op.name()).param(p.key()).orElseThrow().offset(), name);
                double[] want = moments(job, p);
                double[] got = moments(fresh, p);
                double tolerance = 4 * want[1] / Math.sqrt(p.length()) + 1e-12;
                assertEquals(want[0], got[0], tolerance, name + " mean");
                assertEquals(want[1], got[1], 0.1 * want[1] + 1e-12, name + " standard deviation");
                if (op.kind() == ModelDescription.Kind.CLASSIFIER) {
                    assertEquals(want[2], got[2], 0.02 * want[2] + 1e-12, name + " largest magnitude (uniform within a bound)");
                }
            }
        }
    }

    @Test
    void runsOnTheGpuMachinesClassesAlone() throws Exception {
        Path data = write(toySet(8, 4, false));
        URL classes = TrainCheck.class.getProtectionDomain().getCodeSource().getLocation();
        URL math = Well19937c.class.getProtectionDomain().getCodeSource().getLocation();
        try (URLClassLoader bare = new URLClassLoader(new URL[] {classes, math}, ClassLoader.getPlatformClassLoader())) {
            Class<?> check = Class.forName(TrainCheck.class.getName(), true, bare);
            assertEquals(bare, check.getClassLoader());
            Method command = check.getDeclaredMethod("command", String[].class, PrintStream.class, PrintStream.class);
            command.setAccessible(true);
            String[] host = {"--data", data.toString(), "--output", dir.resolve("out").toString(), "--ops", "host", "--blocks", "1",
                    "--epochs", "1", "--batch-size", "4"};
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            assertEquals(0, command.invoke(null, host, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true)),
                    err.toString(StandardCharsets.UTF_8));
            assertTrue(Files.readString(dir.resolve("out/metrics.jsonl")).startsWith("{\"epoch\": 1, "));

            String precision = refusal(command, "--data", data.toString(), "--output", dir.resolve("x").toString(), "--ops", "host",
                    "--precision", "fp7");
            assertTrue(precision.matches("train-check: --precision must be one of fp32, tf32.*, got fp7\n"), precision);
            if (GpuAvailability.problem().isPresent()) {
                String cuda = refusal(command, "--data", data.toString(), "--output", dir.resolve("y").toString(), "--ops", "cuda");
                assertTrue(cuda.matches("train-check: \\S.*\n"), "one line: " + cuda);
                assertTrue(Files.notExists(dir.resolve("y")), "nothing written");
            }
        }
    }

    /** The one line a refused command prints, after checking its exit code 2. */
    private static String refusal(Method command, String... args) throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(2, command.invoke(null, args, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true)));
        return err.toString(StandardCharsets.UTF_8);
    }

    private TrainCheck.Result train(SplitArrays toy, int epochs, double lr, int patience, double factor) throws Exception {
        TrainCheck.Settings settings = new TrainCheck.Settings(dir, dir.resolve("run-" + epochs), false, null, 0, epochs, 8, lr, 0.9,
                patience, factor, java.util.Optional.empty(), new int[] {1});
        return TrainCheck.train(settings, toy, new HostOps(), "host", new PrintStream(new ByteArrayOutputStream()));
    }

    /** {@code a} with {@code b}'s wall time, which alone may differ between two runs. */
    private static EpochMetrics withoutTime(EpochMetrics a, EpochMetrics b) {
        return new EpochMetrics(a.epoch(), a.trainLoss(), a.trainTop1(), a.valLoss(), a.valTop1(), a.valTop5(), a.learningRate(),
                b.imagesPerSecond(), b.seconds());
    }

    /**
     * {@code train} training and {@code validation} validation images of two classes, dark (0) and light (1) noisy colours
     * in alternation; with {@code againstTheRule} the validation images are labelled the other way round.
     */
    private static SplitArrays toySet(int train, int validation, boolean againstTheRule) {
        Random random = new Random(11);
        List<SplitArrays.Part> parts = new ArrayList<>();
        for (int count : new int[] {train, validation}) {
            List<byte[]> images = new ArrayList<>();
            int[] labels = new int[count];
            List<String> paths = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int shade = i % 2;
                labels[i] = parts.isEmpty() || !againstTheRule ? shade : 1 - shade;
                byte[] pixels = new byte[SIDE * SIDE * 3];
                for (int p = 0; p < pixels.length; p++) {
                    pixels[p] = (byte) Math.max(0, Math.min(255, (shade == 0 ? 60 : 190) + random.nextInt(80) - 40));
                }
                images.add(pixels);
                paths.add((shade == 0 ? "dark" : "light") + "/" + count + "-" + i + ".png");
            }
            parts.add(new SplitArrays.Part(images, labels, paths));
        }
        return new SplitArrays(Map.of("seed", "3", "crop", String.valueOf(SIDE), "classes", "2"), parts.get(0), parts.get(1));
    }

    private Path write(SplitArrays arrays) throws Exception {
        Path data = dir.resolve("data");
        arrays.write(data, "0\tdark\n1\tlight\n");
        return data;
    }

    /** Mean, standard deviation and largest magnitude of a parameter's values. */
    private static double[] moments(float[] vector, ModelDescription.Param p) {
        double sum = 0;
        double squares = 0;
        double largest = 0;
        for (long i = p.offset(); i < p.offset() + p.length(); i++) {
            sum += vector[(int) i];
            squares += (double) vector[(int) i] * vector[(int) i];
            largest = Math.max(largest, Math.abs(vector[(int) i]));
        }
        double mean = sum / p.length();
        return new double[] {mean, Math.sqrt(Math.max(0, squares / p.length() - mean * mean)), largest};
    }
}
