package io.flinkddp.model.weights;

import io.flinkddp.config.InvalidSettingsException;
import io.flinkddp.config.TrainOptions;
import java.io.IOException;
import java.util.Map;
import java.util.zip.ZipFile;
import org.apache.flink.core.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

/**
 * {@code --init-weights}: the weights a fresh replica starts from instead of its random initialisation.
 * In: a URI any of Flink's file systems reads ({@code file://}, {@code s3://}, ...) holding either a
 * {@code torch.save}d torchvision state_dict ({@link TorchStateDict}) or the {@code model.zip} of an
 * earlier run (DL4J's {@code ModelSerializer}; told apart by its {@code coefficients.bin} entry), and
 * the network. Out: the network's parameters and batch-norm statistics, written in place by
 * {@link TorchWeights#load} (a model.zip goes through {@link TorchWeights#stateDict}, so both take the
 * same checks and the same head rule). Any failure is an {@link InvalidSettingsException} of one line
 * naming the option, the file and the entry: restarting the job would not mend it. Keeps nothing.
 */
public final class InitialWeights {

    /** The model.zip entry that holds DL4J's parameters. */
    private static final String DL4J_PARAMS = "coefficients.bin";

    private InitialWeights() {
    }

    public static TorchWeights.Loaded load(String uri, ComputationGraph net) {
        String option = "--" + TrainOptions.INIT_WEIGHTS.name() + ": ";
        try (LocalCopy local = LocalCopy.of(new Path(uri))) {
            Map<String, TorchTensor> entries;
            if (isModelZip(local.file())) {
                ComputationGraph earlier = ModelSerializer.restoreComputationGraph(local.file().toFile(), false);
                entries = TorchWeights.stateDict(earlier);
            } else {
                entries = TorchStateDict.read(local.file(), uri);
            }
            return TorchWeights.load(entries, uri, net);
        } catch (IOException | RuntimeException e) {
            throw new InvalidSettingsException(option + (e.getMessage() != null && e.getMessage().contains(uri)
                    ? e.getMessage() : uri + ": " + e));
        }
    }

    /** True for a DL4J model.zip (it has DL4J's parameter entry), false for anything else (a torch.save zip, or not a zip). */
    static boolean isModelZip(java.nio.file.Path file) {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            return zip.getEntry(DL4J_PARAMS) != null;
        } catch (IOException e) {
            return false;  // not a zip at all: TorchStateDict says so, naming the file
        }
    }
}
