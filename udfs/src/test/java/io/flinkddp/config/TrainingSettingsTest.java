package io.flinkddp.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The settings record: its defaults are the seed's recipe; the command line wins over the defaults file; a bad
 * value, a missing required option or a broken rule across options is refused with a message naming the option;
 * {@code --help} lists every option with its default; the options that shape training are the ones old
 * checkpoints recorded; the record survives Java serialization, as Flink ships it.
 */
class TrainingSettingsTest {

    private static TrainingSettings parse(Map<String, String> file, String... args) {
        return TrainingSettings.parse(file, args, "file:///data", "runs/x");
    }

    private static String error(String... args) {
        return assertThrows(InvalidSettingsException.class, () -> parse(Map.of(), args)).getMessage();
    }

    @Test
    void defaultsAreTheSeedRecipe() {
        TrainingSettings settings = parse(Map.of());
        assertEquals(100, settings.batchSizePerSlot());
        assertEquals(0.01, settings.learningRate());
        assertEquals(0.9, settings.momentum());
        assertEquals(256, settings.resizePixels());
        assertEquals(224, settings.cropPixels());
        assertEquals(0.8, settings.trainFraction());
        assertEquals("file:///data", settings.data());
        assertEquals(WirePrecision.FP32, settings.wirePrecision());
    }

    @Test
    void commandLineWinsOverTheDefaultsFile() {
        TrainingSettings settings = parse(Map.of("batch-size", "32", "epochs", "7"), "--batch-size", "16", "--crop=32");
        assertEquals(16, settings.batchSizePerSlot());
        assertEquals(7, settings.epochs());
        assertEquals(37, settings.resizePixels(), "auto resize is crop x 8/7");
    }

    @Test
    void badValuesNameTheOption() {
        assertEquals("--batch-size must be at least 1, got 0", error("--batch-size", "0"));
        assertEquals("--train-fraction must be in (0, 1), got 1.5", error("--train-fraction", "1.5"));
        assertEquals("unknown option --batchsize on the command line (see --help)", error("--batchsize", "3"));
        assertEquals("--slots must be a whole number, got 'two'", error("--slots", "two"));
        assertEquals("option --epochs needs a value", error("--epochs"));
        assertTrue(error("--crop", "16").startsWith("--crop must be at least 32"));
        assertTrue(error("--model", "vgg").startsWith("--model must be resnet50 or cnn-small"));
        assertEquals("--wire-precision must be fp32 or bf16, got fp8", error("--wire-precision", "fp8"));
        assertThrows(InvalidSettingsException.class, () -> parse(Map.of("bogus", "1")));
    }

    @Test
    void helpListsEveryOptionWithItsDefault() {
        String help = CommandLine.help("bin/train-local", TrainingSettings.OPTIONS);
        for (Option<?> option : TrainingSettings.OPTIONS) {
            String line = help.lines().filter(l -> l.startsWith("  --" + option.name() + " ")).findFirst().orElseThrow(
                    () -> new AssertionError(option.name() + " is not in the help"));
            if (!option.isFlag() && option.defaultText() != null) {
                assertTrue(line.endsWith("[default: " + option.defaultText() + "]"), line);
            }
        }
        assertTrue(help.contains("--batch-size <value>") && help.contains("[default: 100]"));
        assertTrue(help.contains("--resize <value>") && help.contains("[default: auto]"));
    }

    @Test
    void theOptionsThatShapeTrainingAreTheOnesOldCheckpointsRecorded() {
        TrainingSettings settings = parse(Map.of(), "--crop", "64", "--wire-precision", "bf16");
        assertEquals(List.of("slots", "batch-size", "resize", "crop", "lr", "momentum", "lr-patience", "lr-factor", "seed",
                "train-fraction", "subset", "model", "local-steps", "accumulate", "wire-precision", "init-weights",
                "class-index", "freeze"), List.copyOf(settings.trainingShape().keySet()));
        assertEquals(TrainingSettings.INIT_WEIGHTS.defaultText(), settings.trainingShape().get("init-weights"),
                "a manifest without init-weights (older than the option) reads as its default, so it still resumes");
        assertTrue(settings.initWeights().isEmpty());
        assertEquals(Optional.of("s3://b/resnet50.pth"), parse(Map.of(), "--init-weights", "s3://b/resnet50.pth").initWeights());
        assertEquals("none", settings.trainingShape().get("class-index"), "older manifests read as none: folder classes");
        assertTrue(settings.classIndex().isEmpty());
        assertEquals(Optional.of("file:///i/imagenet.txt"), parse(Map.of(), "--class-index", "file:///i/imagenet.txt").classIndex());
        assertEquals("73", settings.trainingShape().get("resize"), "auto resize resolved, as manifests hold it");
        assertEquals("bf16", settings.trainingShape().get("wire-precision"));
        assertEquals("bf16", settings.asOptionMap().get("wire-precision"), "summary.json writes the option text");
        assertEquals(false, settings.asOptionMap().containsKey("help"));
    }

    @Test
    void survivesJavaSerializationAsFlinkShipsIt() throws Exception {
        TrainingSettings settings = parse(Map.of(), "--slots", "3", "--lr", "0.2");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(settings);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            TrainingSettings back = (TrainingSettings) in.readObject();
            assertEquals(settings.asOptionMap(), back.asOptionMap());
            assertEquals(3, back.slots());
        }
    }

    @Test
    void requiredAndCrossOptionRulesNameTheOptions() {
        InvalidSettingsException noData = assertThrows(InvalidSettingsException.class,
                () -> TrainingSettings.parse(Map.of(), new String[0], null, "runs/x"));
        assertEquals("--data is required, got null", noData.getMessage());
        assertEquals("--resize must be at least --crop (64), got 40", error("--crop", "64", "--resize", "40"));
        assertEquals("--freeze layer2 needs --model resnet50, got cnn-small", error("--freeze", "layer2", "--model", "cnn-small"));
        assertEquals("--device gpu needs --model resnet50, got cnn-small: the GPU engine runs convolutions without bias (resnet50's)",
                error("--device", "gpu", "--model", "cnn-small"));
        assertEquals("--device must be auto or cpu or gpu, got tpu", error("--device", "tpu"));
        assertEquals("--freeze must be none or stem or layer1 or layer2 or layer3 or layer4, got layer5", error("--freeze", "layer5"));
        assertEquals("--dry-run must be true or false, got 'yes'", error("--dry-run=yes"));
        assertEquals("--accumulate and --local-steps do not combine, got 2 and 2: choose one",
                error("--accumulate", "2", "--local-steps", "2"));
    }
}
