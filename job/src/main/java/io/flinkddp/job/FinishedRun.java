package io.flinkddp.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkddp.config.CommonOptions;
import io.flinkddp.config.Option;
import io.flinkddp.config.RunFiles;
import io.flinkddp.config.ScoringSettings;
import io.flinkddp.config.TrainOptions;
import io.flinkddp.config.TrainingSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * Whether {@code --output} already holds a run finished with these settings, so that a scheduler's
 * retry of a finished command ends at once: in go the settings, out comes the line to print (or empty
 * when there is work to do). Finished means {@code _SUCCESS} and a {@code summary.json} whose settings
 * equal these in every option that shapes training ({@link TrainingSettings#trainingShape}), in
 * {@code --epochs} and in {@code --dry-run}; for predict and evaluate, their result file with the same
 * options. Reads through Flink's file systems; keeps nothing.
 */
final class FinishedRun {

    private static final ObjectMapper JSON = new ObjectMapper();

    private FinishedRun() {
    }

    static Optional<String> sameAs(TrainingSettings settings) {
        return finished(settings.output(), RunFiles.SUMMARY, settings.asOptionMap(), TrainingSettings.OPTIONS.stream()
                .filter(o -> o.shapesTraining() || o == TrainOptions.EPOCHS || o == TrainOptions.DRY_RUN).map(Option::name).toList());
    }

    /**
     * The same for predict and evaluate: their {@code results} file and {@code _SUCCESS}, and every option
     * alike but {@code --output} (the folder itself, written as the writer's file system spells it).
     */
    static Optional<String> sameAs(ScoringSettings settings, String results) {
        Map<String, Object> current = settings.asOptionMap();
        List<String> compared = current.keySet().stream().filter(name -> !name.equals(CommonOptions.OUTPUT.name())).toList();
        return finished(settings.output(), results, current, compared);
    }

    private static Optional<String> finished(String output, String results, Map<String, Object> settings, List<String> compared) {
        Path success = new Path(output, RunFiles.SUCCESS);
        Path summary = new Path(output, results);
        try {
            FileSystem fs = success.getFileSystem();
            if (!fs.exists(success) || !fs.exists(summary)) {
                return Optional.empty();
            }
            JsonNode written;
            try (InputStream in = fs.open(summary)) {
                written = JSON.readTree(in).path("settings");
            }
            JsonNode current = JSON.valueToTree(settings);
            for (String name : compared) {
                if (!text(current.path(name)).equals(text(written.path(name)))) {
                    return Optional.empty();
                }
            }
            Instant finished = Instant.ofEpochMilli(fs.getFileStatus(success).getModificationTime());
            return Optional.of("already done: outputs in " + output + " (finished " + finished + "); nothing to do");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + summary + ": " + e.getMessage(), e);
        }
    }

    /** A value as text (3 and 3L, read or built, alike); a missing one as "(missing)", which matches no value. */
    private static String text(JsonNode value) {
        return value.isMissingNode() ? "(missing)" : value.isValueNode() ? value.asText() : value.toString();
    }
}
