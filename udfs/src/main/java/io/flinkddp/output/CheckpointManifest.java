package io.flinkddp.output;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkddp.config.InvalidSettingsException;
import io.flinkddp.config.Option;
import io.flinkddp.config.CommonOptions;
import io.flinkddp.config.TrainingSettings;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@code manifest.json} of a complete checkpoint says: its folder, steps and epochs, the state's
 * length and CRC-32, and the settings that shape training. Written last, so its presence marks a
 * checkpoint complete.
 */
public record CheckpointManifest(Path folder, long stepsApplied, int epochsCompleted, long stateBytes, long crc32,
                                 Map<String, String> trainingShape) {

    static final String FILE = "manifest.json";
    static final Pattern FOLDER_NAME = Pattern.compile("step-(\\d+)-epochs-(\\d+)");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointManifest.class);

    /**
     * Throws, naming the option, if this checkpoint was written by a run of other settings. An option
     * the manifest does not name (one added since it was written) had its declared default then.
     */
    public void requireResumableBy(TrainingSettings settings) {
        Map<String, String> current = settings.trainingShape();
        for (Option<?> option : TrainingSettings.OPTIONS) {
            String name = option.name();
            String written = trainingShape.getOrDefault(name, option.defaultText());
            if (option.shapesTraining() && !current.get(name).equals(written)) {
                throw new InvalidSettingsException("--" + CommonOptions.OUTPUT.name() + " " + settings.output()
                        + " holds checkpoints of a run with --" + name + " " + written + ", but this run has --" + name + " "
                        + current.get(name) + ": repeat that run's settings to resume it, or choose another --"
                        + CommonOptions.OUTPUT.name());
            }
        }
    }

    /** Writes {@code manifest.json} into the folder, atomically. */
    void write() throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("steps_applied", stepsApplied);
        json.put("epochs_completed", epochsCompleted);
        json.put("state_bytes", stateBytes);
        json.put("state_crc32", crc32);
        json.put("training_shape", trainingShape);
        new RunOutputs(folder.toString()).writeJson(FILE, json);
    }

    /** The manifest in {@code folder}; empty (and logged) if it is missing, unreadable or disagrees with the folder's name. */
    static Optional<CheckpointManifest> read(Path folder) {
        Path file = new Path(folder, FILE);
        try {
            FileSystem fs = file.getFileSystem();
            if (!fs.exists(file)) {
                return Optional.empty();
            }
            Map<?, ?> json;
            try (InputStream in = fs.open(file)) {
                json = JSON.readValue(in, Map.class);
            }
            Map<String, String> shape = new LinkedHashMap<>();
            ((Map<?, ?>) json.get("training_shape")).forEach((k, v) -> shape.put(String.valueOf(k), String.valueOf(v)));
            Matcher name = FOLDER_NAME.matcher(folder.getName());
            long steps = ((Number) json.get("steps_applied")).longValue();
            int epochs = ((Number) json.get("epochs_completed")).intValue();
            if (!name.matches() || Long.parseLong(name.group(1)) != steps || Integer.parseInt(name.group(2)) != epochs) {
                LOG.warn("ignoring checkpoint {}: its manifest says step {}, {} epochs", folder, steps, epochs);
                return Optional.empty();
            }
            return Optional.of(new CheckpointManifest(folder, steps, epochs,
                    ((Number) json.get("state_bytes")).longValue(), ((Number) json.get("state_crc32")).longValue(), shape));
        } catch (IOException | RuntimeException e) {
            LOG.warn("ignoring checkpoint {}: unreadable manifest: {}", folder, e.toString());
            return Optional.empty();
        }
    }
}
