package io.flinkddp.score;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkddp.config.CommonOptions;
import io.flinkddp.config.InvalidSettingsException;
import io.flinkddp.config.RunFiles;
import io.flinkddp.config.ScoringOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What scoring needs to know of a model beside its parameters: its class names and the resize and crop
 * of the run that made it. In: the model's URI, a class-names file if given ({@code --class-names}),
 * and the network's class count. Read from the files next to a model.zip, where its run wrote them:
 * {@code summary.json} ({@code settings.resize}, {@code settings.crop}) and {@code labels.txt}. A
 * torchvision .pth has neither: resize 256, crop 224 (torchvision's ImageNet preprocessing), and the
 * class indices as names. Immutable.
 */
public record ModelInfo(List<String> classNames, int resizePixels, int cropPixels) implements Serializable {

    /** torchvision's ImageNet evaluation preprocessing: Resize(256), CenterCrop(224). */
    public static final int TORCHVISION_RESIZE = 256;
    public static final int TORCHVISION_CROP = 224;

    private static final Logger LOG = LoggerFactory.getLogger(ModelInfo.class);

    public static ModelInfo read(String modelUri, Optional<String> classNamesUri, int classCount) {
        Path model = new Path(modelUri);
        Path folder = model.getParent();
        boolean torchvision = !model.getName().endsWith(".zip");
        int resize = TORCHVISION_RESIZE;
        int crop = TORCHVISION_CROP;
        Optional<String> summary = torchvision ? Optional.empty() : text(new Path(folder, RunFiles.SUMMARY));
        if (summary.isPresent()) {
            try {
                JsonNode settings = new ObjectMapper().readTree(summary.get()).path("settings");
                crop = settings.path(CommonOptions.CROP.name()).asInt(TORCHVISION_CROP);
                resize = settings.path(CommonOptions.RESIZE.name()).asInt(CommonOptions.resolveAutoResize(CommonOptions.AUTO, crop));
            } catch (IOException e) {
                throw new InvalidSettingsException("--" + ScoringOptions.MODEL.name() + " " + modelUri + ": its " + RunFiles.SUMMARY
                        + " is not JSON: " + e.getMessage());
            }
        } else if (!torchvision) {
            LOG.warn("{} has no {} beside it: resize {} and crop {} unless --resize and --crop say otherwise", modelUri,
                    RunFiles.SUMMARY, resize, crop);
        }
        List<String> names;
        String source;
        if (classNamesUri.isPresent()) {
            source = "--" + ScoringOptions.CLASS_NAMES.name() + " " + classNamesUri.get();
            names = ClassNames.parse(text(new Path(classNamesUri.get()))
                    .orElseThrow(() -> new InvalidSettingsException(source + ": no such file")), source, classCount);
        } else {
            Path labels = new Path(folder, RunFiles.LABELS);
            source = labels.toString();
            Optional<String> labelsText = torchvision ? Optional.empty() : text(labels);
            names = labelsText.map(t -> ClassNames.parse(t, source, classCount)).orElseGet(() -> ClassNames.indices(classCount));
        }
        if (names.size() != classCount) {
            throw new InvalidSettingsException(source + " names " + names.size() + " classes, the model " + modelUri + " has "
                    + classCount);
        }
        return new ModelInfo(List.copyOf(names), resize, crop);
    }

    private static Optional<String> text(Path path) {
        try {
            FileSystem fs = path.getFileSystem();
            if (!fs.exists(path)) {
                return Optional.empty();
            }
            try (InputStream in = fs.open(path)) {
                return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new InvalidSettingsException("cannot read " + path + ": " + e.getMessage());
        }
    }
}
