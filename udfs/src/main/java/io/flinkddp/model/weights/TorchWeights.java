package io.flinkddp.model.weights;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a torchvision state_dict ({@link TorchStateDict}) into a DL4J network whose vertex names are
 * torchvision's module names ({@code io.flinkddp.model.Networks#resNet50}).
 *
 * <p>In: the entries, the file's name (for messages) and the network. Out: the network's parameters
 * and batch-norm running statistics overwritten in place, and what was loaded. Per vertex: a
 * convolution's {@code weight} is torch's [out, in, kh, kw], DL4J's {@code W} the same; a batch norm's
 * {@code weight, bias, running_mean, running_var} are DL4J's {@code gamma, beta, mean, var} (the
 * network keeps the variance itself, {@code useLogStd(false)}); a dense or output layer's
 * {@code weight} [out, in] is DL4J's {@code W} [in, out] transposed, {@code bias} its {@code b}.
 * {@code num_batches_tracked} is ignored. Every entry must find its parameter and every parameter its
 * entry, in the same shape, else nothing is written and one line names the first entry that does not
 * fit. One exception: a classifier with another number of classes (an ImageNet head on a 10-class
 * image set) keeps the network's own fresh initialisation, and one log line says so. {@link #stateDict}
 * is the way back: a network's parameters under torch's names and layouts. Keeps nothing.
 */
public final class TorchWeights {

    private static final Logger LOG = LoggerFactory.getLogger(TorchWeights.class);
    private static final String COUNTER = ".num_batches_tracked";

    /** What {@link #load} did: tensors written, and whether the classifier kept its own initialisation. */
    public record Loaded(int tensors, boolean keptOwnHead) {
    }

    /** Where one torch tensor goes: a DL4J parameter, and the shape torch gives it. */
    private record Target(INDArray param, long[] torchShape, boolean transposed) {
    }

    private TorchWeights() {
    }

    public static Loaded load(Map<String, TorchTensor> entries, String source, ComputationGraph net) {
        Map<String, Target> targets = targets(net);
        String head = net.getConfiguration().getNetworkOutputs().get(0);
        boolean keepHead = otherClassCount(entries, targets, head);
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, TorchTensor> e : entries.entrySet()) {
            String name = e.getKey();
            Target target = targets.get(name);
            if (name.endsWith(COUNTER) && targets.containsKey(name.substring(0, name.length() - COUNTER.length()) + ".running_var")) {
                continue;
            }
            if (target == null) {
                problems.add(name + ": in " + source + ", but the network has no such parameter");
            } else if (!(keepHead && isHead(name, head)) && !Arrays.equals(target.torchShape, e.getValue().shape())) {
                problems.add(name + ": shape " + e.getValue().shapeText() + " in " + source + ", the network has "
                        + Arrays.toString(target.torchShape));
            }
        }
        for (String name : targets.keySet()) {
            if (!entries.containsKey(name)) {
                problems.add(name + ": missing from " + source);
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(problems.get(0)
                    + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more entries that do not fit)" : ""));
        }
        int written = 0;
        for (Map.Entry<String, Target> e : targets.entrySet()) {
            if (keepHead && isHead(e.getKey(), head)) {
                continue;
            }
            Target target = e.getValue();
            INDArray values = Nd4j.create(entries.get(e.getKey()).values(), target.torchShape, 'c');
            target.param.assign(target.transposed ? values.transpose() : values.reshape(target.param.shape()));
            written++;
        }
        if (keepHead) {
            LOG.info("{}: its {} has {} classes, the network {}: {} keeps its own fresh initialisation, the other {} tensors are loaded",
                    source, head + ".weight", entries.get(head + ".weight").shape()[0], targets.get(head + ".weight").torchShape[0],
                    head, written);
        }
        return new Loaded(written, keepHead);
    }

    /** The network's parameters and running statistics as torchvision names and lays them out (what {@link #load} reads). */
    public static Map<String, TorchTensor> stateDict(ComputationGraph net) {
        Map<String, TorchTensor> entries = new LinkedHashMap<>();
        targets(net).forEach((name, target) -> {
            INDArray values = target.transposed ? target.param.transpose() : target.param;
            entries.put(name, new TorchTensor("FloatStorage", target.torchShape, Nd4j.toFlattened('c', values).toFloatVector()));
        });
        return entries;
    }

    private static boolean isHead(String name, String head) {
        return name.equals(head + ".weight") || name.equals(head + ".bias");
    }

    /** True if the file's classifier differs from the network's in its number of classes only. */
    private static boolean otherClassCount(Map<String, TorchTensor> entries, Map<String, Target> targets, String head) {
        TorchTensor w = entries.get(head + ".weight");
        TorchTensor b = entries.get(head + ".bias");
        Target ours = targets.get(head + ".weight");
        if (w == null || b == null || ours == null || w.shape().length != 2 || b.shape().length != 1) {
            return false;
        }
        return w.shape()[0] != ours.torchShape[0] && w.shape()[1] == ours.torchShape[1] && b.shape()[0] == w.shape()[0];
    }

    /** Every parameter of the network under its torch name, in the network's order. */
    private static Map<String, Target> targets(ComputationGraph net) {
        Map<String, Target> targets = new LinkedHashMap<>();
        for (GraphVertex vertex : net.getVertices()) {
            if (!vertex.hasLayer() || vertex.getLayer().numParams() == 0) {
                continue;
            }
            String name = vertex.getVertexName();
            Layer layer = vertex.getLayer();
            Object conf = layer.conf().getLayer();
            Map<String, String> keys;
            if (conf instanceof BatchNormalization) {
                if (!layer.paramTable().containsKey("var")) {
                    throw new IllegalArgumentException(name + ": the network's batch norm keeps log10 of the standard deviation"
                            + " (useLogStd(true)); torch's running_var loads only into useLogStd(false)");
                }
                keys = Map.of("gamma", "weight", "beta", "bias", "mean", "running_mean", "var", "running_var");
            } else if (conf instanceof ConvolutionLayer || conf instanceof FeedForwardLayer) {
                keys = Map.of("W", "weight", "b", "bias");
            } else {
                throw new IllegalArgumentException(name + ": a " + conf.getClass().getSimpleName() + " has no torchvision counterpart here");
            }
            boolean dense = !(conf instanceof ConvolutionLayer) && conf instanceof FeedForwardLayer;
            for (Map.Entry<String, INDArray> p : layer.paramTable().entrySet()) {
                String torchKey = keys.get(p.getKey());
                if (torchKey == null) {
                    throw new IllegalArgumentException(name + ": parameter " + p.getKey() + " has no torchvision counterpart");
                }
                INDArray param = p.getValue();
                long[] shape = param.shape();
                boolean transposed = dense && p.getKey().equals("W");
                long[] torchShape = transposed ? new long[] {shape[1], shape[0]}
                        : conf instanceof ConvolutionLayer && p.getKey().equals("W") ? shape : new long[] {param.length()};
                targets.put(name + "." + torchKey, new Target(param, torchShape, transposed));
            }
        }
        return targets;
    }
}
