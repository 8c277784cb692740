package io.flinkddp.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkddp.config.ExportOptions;
import io.flinkddp.config.ExportSettings;
import io.flinkddp.config.InvalidSettingsException;
import io.flinkddp.config.RunFiles;
import io.flinkddp.data.ImageBatch;
import io.flinkddp.model.Networks;
import io.flinkddp.model.weights.ModelFile;
import io.flinkddp.model.weights.TorchTensor;
import io.flinkddp.model.weights.TorchWeights;
import io.flinkddp.output.RunOutputs;
import io.flinkddp.score.ModelInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * export: a model ({@code --model}, read as predict reads it: {@link ModelFile}, {@link ModelInfo}) as
 * a torchvision resnet50 state_dict ({@link TorchSaveFile}) or an ONNX inference graph
 * ({@link OnnxGraph}), with {@code labels.txt} (index TAB class name, as a run's) and
 * {@code preprocessing.json} (resize, crop, mean, std: what a server does to an image before the
 * network) beside it.
 *
 * <p>Refused with one line naming the option ({@link InvalidSettingsException}) before anything is
 * written: a model that does not load, one that is not a resnet50 (a cnn-small model.zip has no
 * torchvision counterpart), an {@code --output} that exists, a labels.txt or preprocessing.json beside
 * it with other contents (the same contents, as a second export of the same model leaves, are kept),
 * and an output that cannot be written. Each file goes to a temporary name and is renamed
 * ({@link RunOutputs#writeAtomically}), the exported file last; if it fails, the two files this
 * export wrote beside it are deleted again. Keeps nothing.
 */
public final class ModelExport {

    public static final String LABELS = RunFiles.LABELS;
    public static final String PREPROCESSING = "preprocessing.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What was written: the exported file and its class count. */
    public record Exported(String output, int classCount) {
    }

    private ModelExport() {
    }

    public static Exported export(ExportSettings settings) {
        Path target = new Path(settings.output());
        Path folder = target.getParent();
        refuseExisting(target, settings.output());
        ComputationGraph net = ModelFile.load(settings.modelUri(), ModelInfo.TORCHVISION_CROP);
        int classes = ModelFile.classCount(net);
        requireResNet50(net, classes, settings.modelUri());
        ModelInfo info = ModelInfo.read(settings.modelUri(), settings.classNamesUri(), classes);

        Map<String, byte[]> beside = new LinkedHashMap<>();
        beside.put(LABELS, labels(info.classNames()).getBytes(StandardCharsets.UTF_8));
        beside.put(PREPROCESSING, json(preprocessing(info)).getBytes(StandardCharsets.UTF_8));
        List<String> toWrite = new ArrayList<>();
        for (Map.Entry<String, byte[]> file : beside.entrySet()) {
            byte[] existing = read(new Path(folder, file.getKey()));
            if (existing == null) {
                toWrite.add(file.getKey());
            } else if (!Arrays.equals(existing, file.getValue())) {
                throw new InvalidSettingsException("--" + ExportOptions.OUTPUT.name() + " " + settings.output() + ": "
                        + new Path(folder, file.getKey()) + " exists beside it with other contents (another model's?); choose another folder");
            }
        }
        RunOutputs outputs = new RunOutputs(folder.toString());
        List<String> written = new ArrayList<>();
        try {
            for (String name : toWrite) {
                outputs.writeAtomically(name, out -> out.write(beside.get(name)));
                written.add(name);
            }
            if (settings.format().equals(ExportOptions.ONNX)) {
                Map<String, String> metadata = new LinkedHashMap<>();
                metadata.put("class_names", json(info.classNames()));
                metadata.put("preprocessing", json(preprocessing(info)));
                var model = OnnxGraph.model(net, info.cropPixels(), classes, metadata);
                outputs.writeAtomically(target.getName(), model::writeTo);
            } else {
                Map<String, TorchTensor> stateDict = withCounters(TorchWeights.stateDict(net));
                outputs.writeAtomically(target.getName(), out -> TorchSaveFile.write(stateDict, out));
            }
        } catch (UncheckedIOException e) {
            written.forEach(name -> deleteQuietly(new Path(folder, name)));
            throw new InvalidSettingsException("--" + ExportOptions.OUTPUT.name() + " " + settings.output() + ": " + e.getMessage());
        }
        return new Exported(settings.output(), classes);
    }

    /**
     * torchvision's entries: every batch norm's {@code num_batches_tracked} (int64, 0: DL4J counts no
     * batches, and PyTorch reads the counter only for a batch norm without momentum) after its running_var.
     */
    static Map<String, TorchTensor> withCounters(Map<String, TorchTensor> entries) {
        Map<String, TorchTensor> all = new LinkedHashMap<>();
        entries.forEach((name, tensor) -> {
            all.put(name, tensor);
            if (name.endsWith(".running_var")) {
                all.put(name.substring(0, name.length() - "running_var".length()) + "num_batches_tracked",
                        new TorchTensor("LongStorage", new long[0], new float[] {0}));
            }
        });
        return all;
    }

    /** How a server prepares an image as training and predict did ({@link io.flinkddp.data.ImageDecoder}, {@link ImageBatch}). */
    static Map<String, Object> preprocessing(ModelInfo info) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("resize", info.resizePixels());
        p.put("crop", info.cropPixels());
        p.put("mean", ImageBatch.mean());
        p.put("std", ImageBatch.std());
        p.put("steps", "RGB; shorter side resized to resize (bilinear, area when shrinking); center crop of crop x crop;"
                + " values / 255, then (x - mean) / std per channel; NCHW float32");
        p.put("input", OnnxGraph.INPUT);
        p.put("output", OnnxGraph.OUTPUT);
        return p;
    }

    private static String labels(List<String> names) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < names.size(); i++) {
            text.append(i).append('\t').append(names.get(i)).append('\n');
        }
        return text.toString();
    }

    /** The same network built fresh: a model of another architecture differs in an entry's name or shape. */
    private static void requireResNet50(ComputationGraph net, int classes, String uri) {
        ComputationGraph reference = new ComputationGraph(Networks.resNet50(classes, ModelInfo.TORCHVISION_CROP, 0));
        reference.init();
        Map<String, TorchTensor> want = TorchWeights.stateDict(reference);
        Map<String, TorchTensor> got;
        try {
            got = TorchWeights.stateDict(net);
        } catch (IllegalArgumentException e) {
            throw notResNet50(uri, e.getMessage());
        }
        for (Map.Entry<String, TorchTensor> e : want.entrySet()) {
            TorchTensor ours = got.get(e.getKey());
            if (ours == null) {
                throw notResNet50(uri, "it has no " + e.getKey());
            }
            if (!Arrays.equals(ours.shape(), e.getValue().shape())) {
                throw notResNet50(uri, e.getKey() + " is " + ours.shapeText() + ", resnet50's " + e.getValue().shapeText());
            }
        }
        if (got.size() != want.size()) {
            throw notResNet50(uri, got.keySet().stream().filter(k -> !want.containsKey(k)).findFirst().orElse("") + " is not resnet50's");
        }
    }

    private static InvalidSettingsException notResNet50(String uri, String why) {
        return new InvalidSettingsException("--" + ExportOptions.MODEL.name() + " " + uri + ": not a resnet50 (" + why
                + "); export writes resnet50 models only (cnn-small has no torchvision counterpart)");
    }

    private static void refuseExisting(Path target, String uri) {
        try {
            FileSystem fs = target.getFileSystem();
            if (fs.exists(target)) {
                throw new InvalidSettingsException("--" + ExportOptions.OUTPUT.name() + " " + uri + " already exists; choose another name");
            }
            Path folder = target.getParent();
            if (fs.exists(folder) && !fs.getFileStatus(folder).isDir()) {
                throw new InvalidSettingsException("--" + ExportOptions.OUTPUT.name() + " " + uri + ": " + folder + " is a file, not a folder");
            }
        } catch (IOException e) {
            throw new InvalidSettingsException("--" + ExportOptions.OUTPUT.name() + " " + uri + ": cannot be checked: " + e.getMessage());
        }
    }

    /** The file's bytes, or null when there is none. */
    private static byte[] read(Path file) {
        try {
            FileSystem fs = file.getFileSystem();
            if (!fs.exists(file)) {
                return null;
            }
            try (InputStream in = fs.open(file)) {
                return in.readAllBytes();
            }
        } catch (IOException e) {
            throw new InvalidSettingsException("--" + ExportOptions.OUTPUT.name() + ": cannot read " + file + ": " + e.getMessage());
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            file.getFileSystem().delete(file, false);
        } catch (IOException ignored) {
            // the export already failed; that error is the one to report
        }
    }

    private static String json(Object value) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
