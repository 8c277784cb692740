package io.flinkddp.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkddp.data.ImageBatch;
import io.flinkddp.data.ImageDecoder;
import io.flinkddp.model.Networks;
import io.flinkddp.model.weights.InitialWeights;
import io.flinkddp.model.weights.TorchStateDict;
import io.flinkddp.model.weights.TorchTensor;
import io.flinkddp.testing.TorchPython;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/export's files, checked by loading them: a run folder with a resnet50 model.zip (3 classes, 32 px,
 * batch-norm statistics and affine parameters randomised, so that eval mode matters; classifier weights scaled
 * down, so that probabilities stay far from 0 and 1), its labels.txt and summary.json; predict scores real 32
 * px images (Fashion-MNIST samples, upscaled and tinted) on a MiniCluster; the export to .pth and to .onnx in
 * one folder. torch_export_check.py (Debian's python3, torch 1.13, onnx 1.12, which .ci/run installs) loads the
 * .pth strictly into torchvision's resnet50 and scores the images as preprocessing.json says, and passes the
 * .onnx through ONNX's checker; ONNX Runtime (its Java package, CPU) scores the images as predict decodes them.
 * Both give predict's probabilities to 1e-5 (seen: 1.4e-6 and 9.7e-7); the README's PyTorch snippet names
 * predict's class of an image. --init-weights of the .pth gives back the model's parameters bit for bit. A
 * cnn-small model, a missing model, an --output that exists, cannot be written or is misnamed, and another
 * model's labels.txt beside it each end with exit code 2, one line, and no file.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class ExportITCase {

    private static final double TOLERANCE = 1e-5;
    private static final List<String> CLASSES = List.of("top", "trouser", "bag");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    private static Path run;
    private static Path images;
    private static Path exported;
    private static ComputationGraph model;
    private static Map<String, double[]> predicted;

    @BeforeAll
    static void predictAndExport() throws Exception {
        images = writeImages(dir.resolve("images"));
        run = dir.resolve("run");
        Files.createDirectories(run);
        model = randomisedResNet50();
        ModelSerializer.writeModel(model, run.resolve("model.zip").toFile(), false);
        Files.writeString(run.resolve("labels.txt"), "0\ttop\n1\ttrouser\n2\tbag\n");
        Files.writeString(run.resolve("summary.json"), "{\"settings\": {\"resize\": 32, \"crop\": 32, \"model\": \"resnet50\"}}");

        Path output = dir.resolve("predicted");
        JobRunner predict = JobRunner.predict("--model", uri(run.resolve("model.zip")), "--data", uri(images), "--output", uri(output),
                "--top-k", "3", "--slots", "2", "--batch-size", "2");
        assertEquals(0, predict.exitCode(), predict.err());
        predicted = new java.util.TreeMap<>();
        for (String line : Files.readAllLines(output.resolve("predictions.jsonl"))) {
            JsonNode node = JSON.readTree(line);
            double[] p = new double[CLASSES.size()];
            node.get("top").forEach(top -> p[top.get("index").asInt()] = top.get("probability").asDouble());
            predicted.put(node.get("path").asText(), p);
        }
        assertEquals(5, predicted.size(), predicted.keySet().toString());

        exported = dir.resolve("exported");
        for (String format : List.of("pth", "onnx")) {
            Outcome export = export("--model", uri(run.resolve("model.zip")), "--format", format,
                    "--output", uri(exported.resolve("resnet50." + format)));
            assertEquals(0, export.code, export.err);
        }
    }

    @Test
    void pthLoadsStrictlyIntoTorchvisionAndGivesPredictsProbabilities() throws Exception {
        TorchPython.runScript(ExportITCase.class, "torch_export_check.py", exported, exported.toString(), images.toString());
        JsonNode torch = JSON.readTree(exported.resolve("torch.json").toFile());
        java.util.Set<String> scored = new java.util.TreeSet<>();
        torch.fieldNames().forEachRemaining(scored::add);
        assertEquals(predicted.keySet(), scored);
        double worst = 0;
        for (Map.Entry<String, double[]> e : predicted.entrySet()) {
            for (int c = 0; c < CLASSES.size(); c++) {
                double difference = Math.abs(torch.get(e.getKey()).get(c).asDouble() - e.getValue()[c]);
                worst = Math.max(worst, difference);
                assertTrue(difference <= TOLERANCE, e.getKey() + ": class " + c + " off by " + difference);
            }
        }
        System.out.printf("exported .pth in torchvision (strict load, eval): %d images, probabilities within %.2e of predict's%n",
                predicted.size(), worst);
        assertEquals(List.of("0\ttop", "1\ttrouser", "2\tbag"), Files.readAllLines(exported.resolve("labels.txt")));
        JsonNode prep = JSON.readTree(exported.resolve("preprocessing.json").toFile());
        assertEquals(32, prep.get("resize").asInt());
        assertEquals(32, prep.get("crop").asInt());
        assertEquals(0.485, prep.get("mean").get(0).asDouble(), 1e-7);
        assertEquals(0.225, prep.get("std").get(2).asDouble(), 1e-7);
    }

    /** The README's four lines ("Export"), run as written in the export's folder on one image: predict's most probable class. */
    @Test
    void readmeSnippetClassifiesAnImageAsPredictDoes() throws Exception {
        TorchPython.requireTorchvision(exported);
        String readme = Files.readString(Path.of(System.getProperty("maven.multiModuleProjectDirectory", ".."), "README.md"));
        String section = readme.substring(readme.indexOf("### Export"));
        String fenced = section.substring(section.indexOf("```python\n") + "```python\n".length());
        String snippet = fenced.substring(0, fenced.indexOf("```"));
        assertEquals(4, snippet.lines().count(), snippet);
        Path folder = dir.resolve("snippet");
        Files.createDirectories(folder);
        for (String name : List.of("resnet50.pth", "labels.txt", "preprocessing.json")) {
            Files.copy(exported.resolve(name), folder.resolve(name));
        }
        Files.copy(images.resolve("a/b/trouser.png"), folder.resolve("image.png"));
        Files.writeString(folder.resolve("snippet.py"), snippet);
        Process python = new ProcessBuilder(TorchPython.PYTHON, "snippet.py").directory(folder.toFile()).redirectErrorStream(true).start();
        String printed = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(python.waitFor(90, TimeUnit.SECONDS), "the snippet did not finish in 90 s");
        assertEquals(0, python.exitValue(), printed);
        double[] p = predicted.get("a/b/trouser.png");
        int top = 0;
        for (int c = 1; c < p.length; c++) {
            top = p[c] > p[top] ? c : top;
        }
        assertEquals(top + "\t" + CLASSES.get(top), printed.strip());
    }

    @Test
    void onnxRunsInOnnxRuntimeAndGivesPredictsProbabilities() throws Exception {
        ImageDecoder decoder = new ImageDecoder(32, 32);
        List<String> paths = new ArrayList<>(predicted.keySet());
        List<byte[]> pixels = new ArrayList<>();
        for (String path : paths) {
            pixels.add(decoder.decode(Files.readAllBytes(images.resolve(path))));
        }
        float[] input = ImageBatch.normalised(pixels, 32);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(exported.resolve("resnet50.onnx").toString(), new OrtSession.SessionOptions());
             OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(input), new long[] {paths.size(), 3, 32, 32});
             OrtSession.Result result = session.run(Map.of("images", tensor))) {
            assertEquals(List.of("images"), new ArrayList<>(session.getInputNames()));
            assertEquals("[\"top\",\"trouser\",\"bag\"]", session.getMetadata().getCustomMetadata().get("class_names").replaceAll("\\s", ""));
            float[][] logits = (float[][]) result.get("logits").orElseThrow().getValue();
            double worst = 0;
            double largest = 0;
            for (int i = 0; i < paths.size(); i++) {
                for (float logit : logits[i]) {
                    largest = Math.max(largest, Math.abs(logit));
                }
                double[] p = softmax(logits[i]);
                for (int c = 0; c < CLASSES.size(); c++) {
                    double difference = Math.abs(p[c] - predicted.get(paths.get(i))[c]);
                    worst = Math.max(worst, difference);
                    assertTrue(difference <= TOLERANCE, paths.get(i) + ": class " + c + " off by " + difference);
                }
            }
            System.out.printf("exported .onnx in ONNX Runtime: %d images, logits up to %.2f, probabilities within %.2e of predict's%n",
                    paths.size(), largest, worst);
        }
    }

    @Test
    void initWeightsOfTheExportedPthGivesBackTheParametersBitForBit() throws Exception {
        ComputationGraph fresh = new ComputationGraph(Networks.resNet50(3, 32, 7));
        fresh.init();
        String pth = uri(exported.resolve("resnet50.pth"));
        InitialWeights.load(pth, fresh);
        assertArrayEquals(model.params().toFloatVector(), fresh.params().toFloatVector(), "parameters and batch-norm statistics");
        Map<String, TorchTensor> entries = TorchStateDict.read(new org.apache.flink.core.fs.Path(pth));
        assertEquals(53, entries.keySet().stream().filter(name -> name.endsWith(".num_batches_tracked")).count());
        assertEquals(320, entries.size(), "torchvision resnet50's 320 entries (53 batch norms x 5, 53 convolutions, fc weight and bias)");
    }

    @Test
    void badInputEndsWithOneLineAndWritesNothing() throws Exception {
        Path bad = dir.resolve("bad");
        Files.createDirectories(bad);
        ComputationGraph small = new ComputationGraph(Networks.smallCnn(3, 32, 1));
        small.init();
        ModelSerializer.writeModel(small, bad.resolve("cnn-small.zip").toFile(), false);
        Files.writeString(bad.resolve("a-file"), "not a folder");
        Files.writeString(bad.resolve("taken.pth"), "already here");
        String zip = uri(run.resolve("model.zip"));
        assertRefused("--model " + uri(bad.resolve("cnn-small.zip")) + ": not a resnet50 (",
                "--model", uri(bad.resolve("cnn-small.zip")), "--format", "pth", "--output", uri(bad.resolve("out/small.pth")));
        assertRefused("--model " + uri(bad.resolve("missing.zip")) + ": no such file",
                "--model", uri(bad.resolve("missing.zip")), "--format", "onnx", "--output", uri(bad.resolve("out/m.onnx")));
        assertRefused("--output " + uri(bad.resolve("taken.pth")) + " already exists",
                "--model", zip, "--format", "pth", "--output", uri(bad.resolve("taken.pth")));
        assertRefused("--output " + uri(bad.resolve("a-file/model.onnx")) + ": ",
                "--model", zip, "--format", "onnx", "--output", uri(bad.resolve("a-file/model.onnx")));
        assertRefused("--output " + uri(bad.resolve("a-file/deeper/model.pth")) + ": cannot write ",
                "--model", zip, "--format", "pth", "--output", uri(bad.resolve("a-file/deeper/model.pth")));
        assertRefused("--output must end in .onnx for --format onnx",
                "--model", zip, "--format", "onnx", "--output", uri(bad.resolve("out/model.pth")));
        assertRefused("--format must be pth or onnx",
                "--model", zip, "--format", "torchscript", "--output", uri(bad.resolve("out/model.pt")));
        assertEquals("already here", Files.readString(bad.resolve("taken.pth")));
        assertFalse(Files.exists(bad.resolve("out")), "nothing written for refused exports");
        try (Stream<Path> files = Files.list(bad)) {
            assertEquals(List.of("a-file", "cnn-small.zip", "taken.pth"), files.map(f -> f.getFileName().toString()).sorted().toList());
        }

        Path other = dir.resolve("other");
        Files.createDirectories(other);
        Files.writeString(other.resolve("labels.txt"), "0\tcat\n1\tdog\n2\tbird\n");
        assertRefused("--output " + uri(other.resolve("model.pth")) + ": ", "--model", zip, "--format", "pth",
                "--output", uri(other.resolve("model.pth")));
        try (Stream<Path> files = Files.list(other)) {
            assertEquals(List.of("labels.txt"), files.map(f -> f.getFileName().toString()).toList(), "another model's labels.txt stays alone");
        }
    }

    private static void assertRefused(String start, String... args) {
        Outcome outcome = export(args);
        assertEquals(2, outcome.code, outcome.err);
        assertTrue(outcome.err.startsWith("error: " + start), outcome.err);
        assertEquals(1, outcome.err.lines().count(), outcome.err);
    }

    private record Outcome(int code, String out, String err) {
    }

    private static Outcome export(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ExportModel.runCommand("bin/export", args, null, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** torchvision's resnet50 at 3 classes and 32 px, with every batch norm's parameters and statistics drawn at random. */
    private static ComputationGraph randomisedResNet50() {
        ComputationGraph net = new ComputationGraph(Networks.resNet50(3, 32, 20261204));
        net.init();
        Random random = new Random(42);
        for (Layer layer : net.getLayers()) {
            if (layer instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization) {
                Map<String, org.nd4j.linalg.api.ndarray.INDArray> params = layer.paramTable();
                fill(params.get("gamma"), random, 0.5, 1.5);
                fill(params.get("beta"), random, -0.1, 0.1);
                fill(params.get("mean"), random, -0.1, 0.1);
                fill(params.get("var"), random, 0.5, 1.5);
            }
        }
        net.getLayer(Networks.OUTPUT).getParam("W").muli(0.1);  // logits spread near 1, not 10: probabilities far from 0 and 1
        return net;
    }

    private static void fill(org.nd4j.linalg.api.ndarray.INDArray param, Random random, double low, double high) {
        for (long i = 0; i < param.length(); i++) {
            param.putScalar(i, low + (high - low) * random.nextDouble());
        }
    }

    /** Five real images: the first Fashion-MNIST sample of five classes, 32 x 32 RGB (tinted), in a folder tree. */
    private static Path writeImages(Path root) throws Exception {
        Path samples = Path.of(System.getProperty("maven.multiModuleProjectDirectory", ".."), "samples", "fashion-mnist");
        String[] sources = {"0-t-shirt-top", "1-trouser", "4-coat", "7-sneaker", "8-bag"};
        String[] places = {"a/top.png", "a/b/trouser.png", "coat.png", "a/sneaker.png", "bag.png"};
        float[][] tints = {{1f, 0.6f, 0.3f}, {0.3f, 1f, 0.8f}, {1f, 1f, 1f}, {0.5f, 0.7f, 1f}, {0.9f, 0.9f, 0.4f}};
        for (int i = 0; i < sources.length; i++) {
            Path first;
            try (Stream<Path> files = Files.list(samples.resolve(sources[i]))) {
                first = files.sorted().findFirst().orElseThrow();
            }
            BufferedImage gray = ImageIO.read(first.toFile());
            BufferedImage rgb = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    int v = gray.getRaster().getSample(x * gray.getWidth() / 32, y * gray.getHeight() / 32, 0);
                    int r = Math.round(v * tints[i][0]);
                    int g = Math.round(v * tints[i][1]);
                    int b = Math.round(v * tints[i][2]);
                    rgb.setRGB(x, y, (r << 16) | (g << 8) | b);
                }
            }
            Path target = root.resolve(places[i]);
            Files.createDirectories(target.getParent());
            ImageIO.write(rgb, "png", target.toFile());
        }
        return root;
    }

    private static double[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        double[] p = new double[logits.length];
        for (int c = 0; c < logits.length; c++) {
            p[c] = Math.exp(logits[c] - max);
            sum += p[c];
        }
        for (int c = 0; c < logits.length; c++) {
            p[c] /= sum;
        }
        return p;
    }

    private static String uri(Path path) {
        return path.toUri().toString();
    }
}
