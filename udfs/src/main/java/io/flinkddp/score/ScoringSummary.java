package io.flinkddp.score;

import io.flinkddp.config.ScoringSettings;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What predict's summary.json and evaluate's evaluation.json say besides the metrics: the settings
 * (resize and crop as used: the model's unless overridden), the model's classes, the images found,
 * scored and skipped (undecodable), and the seconds since the client started the command.
 */
public final class ScoringSummary {

    private ScoringSummary() {
    }

    public static Map<String, Object> of(ScoringSettings settings, ModelInfo model, long found, long scored, long startMillis) {
        Map<String, Object> images = new LinkedHashMap<>();
        images.put("found", found);
        images.put("scored", scored);
        images.put("skipped", found - scored);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("settings", settings.asOptionMap());
        summary.put("classes", model.classNames().size());
        summary.put("images", images);
        summary.put("seconds", (System.currentTimeMillis() - startMillis) / 1000.0);
        return summary;
    }

    /** The sum of the per-subtask counts of count-images. */
    public static long total(List<Long> counts) {
        return counts.stream().mapToLong(Long::longValue).sum();
    }
}
