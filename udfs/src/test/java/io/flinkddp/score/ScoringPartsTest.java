package io.flinkddp.score;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.flinkddp.config.InvalidSettingsException;
import io.flinkddp.config.ScoringOptions;
import io.flinkddp.config.ScoringSettings;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The plain parts of predict and evaluate, without Flink: settings, class names, top k, the evaluation's sums. */
class ScoringPartsTest {

    private static final Map<String, String> REQUIRED = Map.of("model", "file:///m/model.zip", "data", "file:///d", "output", "file:///o");

    private static Map<String, String> with(String... more) {
        Map<String, String> texts = new java.util.HashMap<>(REQUIRED);
        for (int i = 0; i < more.length; i += 2) {
            texts.put(more[i], more[i + 1]);
        }
        return texts;
    }

    @Test
    void resizeAndCropAreTheModelsUnlessGiven() {
        ScoringSettings model = ScoringSettings.fromOptions(ScoringOptions.PREDICT, with(), 37, 32);
        assertEquals(37, model.resizePixels());
        assertEquals(32, model.cropPixels());
        ScoringSettings cropOnly = ScoringSettings.fromOptions(ScoringOptions.PREDICT, with("crop", "224"), 37, 32);
        assertEquals(256, cropOnly.resizePixels(), "auto for the crop given, not the model's resize for its own crop");
        ScoringSettings both = ScoringSettings.fromOptions(ScoringOptions.PREDICT, with("crop", "224", "resize", "224"), 37, 32);
        assertEquals(224, both.resizePixels());
        InvalidSettingsException small = assertThrows(InvalidSettingsException.class,
                () -> ScoringSettings.fromOptions(ScoringOptions.PREDICT, with("resize", "30"), 37, 32));
        assertEquals("--resize must be at least --crop (32), got 30", small.getMessage());
    }

    @Test
    void optionsAreCheckedAndNamed() {
        InvalidSettingsException noModel = assertThrows(InvalidSettingsException.class,
                () -> ScoringSettings.fromOptions(ScoringOptions.PREDICT, Map.of("data", "d", "output", "o"), 37, 32));
        assertEquals("--model is required, got null", noModel.getMessage());
        InvalidSettingsException k = assertThrows(InvalidSettingsException.class,
                () -> ScoringSettings.fromOptions(ScoringOptions.PREDICT, with("top-k", "0"), 37, 32));
        assertEquals("--top-k must be at least 1, got 0", k.getMessage());
        assertEquals(5, ScoringSettings.fromOptions(ScoringOptions.PREDICT, with(), 37, 32).topK());
        assertEquals(false, ScoringSettings.fromOptions(ScoringOptions.EVALUATE, with(), 37, 32).asOptionMap().containsKey("top-k"));
    }

    @Test
    void classNamesAreLabelsLinesOrOneNamePerLine() {
        assertEquals(List.of("cat", "dog"), ClassNames.parse("1\tdog\n0\tcat\n", "labels.txt", 2));
        assertEquals(List.of("n01", "n02"), ClassNames.parse("0\tn01\tChihuahua\n1\tn02\tbeagle\n", "labels.txt", 2));
        assertEquals(List.of("tench", "goldfish", "great white shark"), ClassNames.parse("tench\ngoldfish\ngreat white shark\n\n", "names", 3));
        assertEquals(List.of("tench, Tinca tinca", "goldfish"), ClassNames.parse("{0: 'tench, Tinca tinca',\n 1: 'goldfish'}", "seed", 2));
        InvalidSettingsException twice = assertThrows(InvalidSettingsException.class, () -> ClassNames.parse("0\ta\n0\tb\n", "labels.txt", 2));
        assertEquals("labels.txt: line '0\tb': index 0 appears twice", twice.getMessage());
        InvalidSettingsException beyond = assertThrows(InvalidSettingsException.class, () -> ClassNames.parse("2\ta\n", "labels.txt", 2));
        assertEquals("labels.txt: line '2\ta': index 2 is not below the model's class count 2", beyond.getMessage());
    }

    /** A run trained with --class-index names only its folders' indices in labels.txt; the rest keep their index. */
    @Test
    void labelsOfAClassIndexRunNameTheirIndicesOnly() {
        List<String> names = ClassNames.parse("151\tn02085620-Chihuahua\n230\tn02105855-Shetland_sheepdog\n", "labels.txt", 1000);
        assertEquals(1000, names.size());
        assertEquals("n02085620-Chihuahua", names.get(151));
        assertEquals("n02105855-Shetland_sheepdog", names.get(230));
        assertEquals("0", names.get(0));
    }

    @Test
    void topClassesAreHighestFirstAndTiesGoToTheLowerIndex() {
        assertArrayEquals(new int[] {2, 0, 3}, Scorer.topClasses(new float[] {1f, -1f, 5f, 1f}, 3));
    }

    @Test
    void evaluationCountsHitsTheConfusionMatrixPrecisionAndRecall() {
        Evaluation evaluation = new Evaluation(List.of("a", "b", "c"));
        evaluation.add(scored(0, 0, 0.5));
        evaluation.add(scored(0, 1, 1.5));
        evaluation.add(scored(1, 1, 0.25));
        evaluation.add(scored(1, 1, 0.75));
        Map<String, Object> metrics = evaluation.metrics();
        assertEquals(0.75, metrics.get("loss"));
        assertEquals(0.75, metrics.get("top1"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> perClass = (List<Map<String, Object>>) metrics.get("per_class");
        assertEquals(1.0, perClass.get(0).get("precision"));
        assertEquals(0.5, perClass.get(0).get("recall"));
        assertEquals(2.0 / 3, perClass.get(1).get("precision"));
        assertEquals(1.0, perClass.get(1).get("recall"));
        assertNull(perClass.get(2).get("precision"), "never predicted");
        assertNull(perClass.get(2).get("recall"), "no image");
        assertEquals("true\\predicted,a,b,c\na,1,1,0\nb,0,2,0\nc,0,0,0\n", evaluation.confusionCsv());
    }

    private static ScoredImage scored(int label, int predicted, double loss) {
        return new ScoredImage("x.png", label, new int[] {predicted}, new float[] {0.9f}, loss, label == predicted ? 0 : 1);
    }
}
