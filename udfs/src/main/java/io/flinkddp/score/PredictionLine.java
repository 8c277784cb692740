package io.flinkddp.score;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One line of predictions.jsonl: {@code {"path": ..., "top": [{"index": 151, "class": "Chihuahua",
 * "probability": 0.93}, ...]}}, the path relative to {@code --data}, the classes most probable first.
 */
public final class PredictionLine {

    private static final ObjectMapper JSON = new ObjectMapper();

    private PredictionLine() {
    }

    public static String of(ScoredImage image, List<String> classNames) {
        List<Map<String, Object>> top = new ArrayList<>(image.classes.length);
        for (int j = 0; j < image.classes.length; j++) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("index", image.classes[j]);
            entry.put("class", classNames.get(image.classes[j]));
            entry.put("probability", image.probabilities[j]);
            top.add(entry);
        }
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("path", image.relativePath);
        line.put("top", top);
        try {
            return JSON.writeValueAsString(line);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
