package io.flinkddp.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainingSettingsTest {

    private static TrainingSettings parse(Map<String, String> file, String... args) {
        return TrainingSettings.fromOptions(JobOptions.merge(file, args), "file:///data", "runs/x");
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
        String help = JobOptions.help("bin/train-local");
        for (OptionSpec spec : JobOptions.ALL) {
            assertTrue(help.contains("--" + spec.name()), spec.name());
        }
        assertTrue(help.contains("[default: 100]"));
    }
}
