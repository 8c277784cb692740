package io.flinkddp.model.weights;

import io.flinkddp.config.InvalidSettingsException;
import io.flinkddp.config.ScoringOptions;
import io.flinkddp.model.Networks;
import java.io.IOException;
import java.util.Map;
import org.apache.flink.core.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

/**
 * predict's and evaluate's {@code --model}: the network to score with. In: a URI any of Flink's file
 * systems reads, holding a run's {@code model.zip} (DL4J's {@code ModelSerializer}) or a torchvision
 * resnet50 state_dict saved by {@code torch.save}, whose class count its {@code fc.weight} gives. Out:
 * the network with those parameters and batch-norm statistics ({@link TorchWeights#load}, with its
 * checks). A missing file or one that does not load is an {@link InvalidSettingsException} of one line
 * naming {@code --model} and the file. Keeps nothing.
 */
public final class ModelFile {

    private static final String HEAD = Networks.OUTPUT + ".weight";

    private ModelFile() {
    }

    /** The number of classes the network's output layer scores. */
    public static int classCount(ComputationGraph net) {
        String head = net.getConfiguration().getNetworkOutputs().get(0);
        return (int) ((org.deeplearning4j.nn.conf.layers.FeedForwardLayer) net.getLayer(head).conf().getLayer()).getNOut();
    }

    /** @param imageSize the input side a torchvision network is built for (any side works: global average pooling) */
    public static ComputationGraph load(String uri, int imageSize) {
        String prefix = "--" + ScoringOptions.MODEL.name() + " " + uri + ": ";
        Path path = new Path(uri);
        try {
            if (!path.getFileSystem().exists(path)) {
                throw new InvalidSettingsException(prefix + "no such file");
            }
        } catch (IOException e) {
            throw new InvalidSettingsException(prefix + "cannot be read: " + e.getMessage());
        }
        try (LocalCopy local = LocalCopy.of(path)) {
            if (InitialWeights.isModelZip(local.file())) {
                return ModelSerializer.restoreComputationGraph(local.file().toFile(), false);
            }
            Map<String, TorchTensor> entries = TorchStateDict.read(local.file(), uri);
            TorchTensor head = entries.get(HEAD);
            if (head == null || head.shape().length != 2) {
                throw new InvalidSettingsException(prefix + "has no " + HEAD + " [classes, 2048]: not a torchvision resnet50 state_dict");
            }
            ComputationGraph net = new ComputationGraph(Networks.resNet50((int) head.shape()[0], imageSize, 0));
            net.init();
            TorchWeights.load(entries, uri, net);
            return net;
        } catch (InvalidSettingsException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            String message = String.valueOf(e.getMessage());
            throw new InvalidSettingsException(message.contains(uri) ? "--" + ScoringOptions.MODEL.name() + ": " + message : prefix + e);
        }
    }
}
