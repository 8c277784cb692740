package io.flinkddp.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkddp.config.Option;
import io.flinkddp.config.TrainOptions;
import io.flinkddp.config.TrainingSettings;
import io.flinkddp.output.RunOutputs;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Optional;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * Whether {@code --output} already holds a run finished with these settings, so that a scheduler's
 * retry of a finished command ends at once: in go the settings, out comes the line to print (or empty
 * when there is work to do). Finished means {@code _SUCCESS} and a {@code summary.json} whose settings
 * equal these in every option that shapes training ({@link TrainingSettings#trainingShape}), in
 * {@code --epochs} and in {@code --dry-run}. Reads through Flink's file systems; keeps nothing.
 */
final class FinishedRun {

    private static final ObjectMapper JSON = new ObjectMapper();

    private FinishedRun() {
    }

    static Optional<String> sameAs(TrainingSettings settings) {
        Path success = new Path(settings.output(), RunOutputs.SUCCESS);
        Path summary = new Path(settings.output(), RunOutputs.SUMMARY);
        try {
            FileSystem fs = success.getFileSystem();
            if (!fs.exists(success) || !fs.exists(summary)) {
                return Optional.empty();
            }
            JsonNode written;
            try (InputStream in = fs.open(summary)) {
                written = JSON.readTree(in).path("settings");
            }
            JsonNode current = JSON.valueToTree(settings.asOptionMap());
            for (Option<?> option : TrainingSettings.OPTIONS) {
                boolean compared = option.shapesTraining() || option == TrainOptions.EPOCHS || option == TrainOptions.DRY_RUN;
                if (compared && !text(current.path(option.name())).equals(text(written.path(option.name())))) {
                    return Optional.empty();
                }
            }
            Instant finished = Instant.ofEpochMilli(fs.getFileStatus(success).getModificationTime());
            return Optional.of("already done: outputs in " + settings.output() + " (finished " + finished + "); nothing to do");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + summary + ": " + e.getMessage(), e);
        }
    }

    /** A value as text (3 and 3L, read or built, alike); a missing one as "(missing)", which matches no value. */
    private static String text(JsonNode value) {
        return value.isMissingNode() ? "(missing)" : value.isValueNode() ? value.asText() : value.toString();
    }
}
