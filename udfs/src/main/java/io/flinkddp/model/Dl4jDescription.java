package io.flinkddp.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Reads a {@link ModelDescription} off a DL4J {@link ComputationGraph}: the ops in the graph's
 * topological order with their attributes, and where each layer's parameters sit in the flattened
 * vector. Which layer configurations an engine can run is the engine's business (the CPU engine's
 * {@link io.flinkddp.model.kernels.NativeGraph} refuses the others with the layer's name); a vertex
 * that no {@link ModelDescription.Kind} describes is refused here. Keeps nothing.
 */
public final class Dl4jDescription {

    private Dl4jDescription() {
    }

    public static ModelDescription of(ComputationGraph net) {
        return of(net, Set.of());
    }

    /** With {@code frozen} vertices, which must lead the parameter vector (a network's leading stages do). */
    public static ModelDescription of(ComputationGraph net, Set<String> frozen) {
        ComputationGraphConfiguration conf = net.getConfiguration();
        String input = conf.getNetworkInputs().get(0);
        INDArray flat = net.params();
        List<ModelDescription.Op> ops = new ArrayList<>();
        int numClasses = 0;
        for (int index : net.topologicalSortOrder()) {
            String name = net.getVertices()[index].getVertexName();
            if (name.equals(input)) {
                continue;
            }
            List<String> inputs = conf.getVertexInputs().get(name);
            GraphVertex vertex = conf.getVertices().get(name);
            if (vertex instanceof ElementWiseVertex sum && sum.getOp() == ElementWiseVertex.Op.Add) {
                ops.add(op(name, ModelDescription.Kind.ADD, inputs, 0, 0, 0, 0, false, 0, 0, frozen, List.of()));
                continue;
            }
            if (!(vertex instanceof LayerVertex)) {
                throw new IllegalArgumentException(name + ": vertex " + vertex.getClass().getSimpleName() + " has no description");
            }
            Layer layer = net.getLayer(name);
            List<ModelDescription.Param> params = params(layer, flat);
            org.deeplearning4j.nn.conf.layers.Layer layerConf = layer.conf().getLayer();
            if (layerConf instanceof ConvolutionLayer c) {
                ops.add(op(name, ModelDescription.Kind.CONVOLUTION, inputs, c.getKernelSize()[0], c.getStride()[0], c.getPadding()[0],
                        (int) c.getNOut(), c.getActivationFn() instanceof ActivationReLU, 0, 0, frozen, params));
            } else if (layerConf instanceof BatchNormalization bn) {
                ops.add(op(name, ModelDescription.Kind.BATCH_NORM, inputs, 0, 0, 0, (int) bn.getNOut(), false, bn.getEps(),
                        1 - bn.getDecay(), frozen, params));
            } else if (layerConf instanceof ActivationLayer) {
                ops.add(op(name, ModelDescription.Kind.RELU, inputs, 0, 0, 0, 0, true, 0, 0, frozen, params));
            } else if (layerConf instanceof SubsamplingLayer p) {
                ops.add(op(name, ModelDescription.Kind.MAX_POOL, inputs, p.getKernelSize()[0], p.getStride()[0], p.getPadding()[0],
                        0, false, 0, 0, frozen, params));
            } else if (layerConf instanceof GlobalPoolingLayer) {
                ops.add(op(name, ModelDescription.Kind.GLOBAL_AVG_POOL, inputs, 0, 0, 0, 0, false, 0, 0, frozen, params));
            } else if (layerConf instanceof OutputLayer out) {
                numClasses = (int) out.getNOut();
                ops.add(op(name, ModelDescription.Kind.CLASSIFIER, inputs, 0, 0, 0, numClasses, false, 0, 0, frozen, params));
            } else {
                throw new IllegalArgumentException(name + ": layer " + layerConf.getClass().getSimpleName() + " has no description");
            }
        }
        return new ModelDescription(input, ops, layout(net, frozen), numClasses);
    }

    public static ParamLayout layout(ComputationGraph net) {
        return layout(net, Set.of());
    }

    /** Where the statistics sit and where training starts; {@code frozen} vertices must lead the vector. */
    public static ParamLayout layout(ComputationGraph net, Set<String> frozen) {
        INDArray flat = net.params();
        List<long[]> ranges = new ArrayList<>();
        long frozenEnd = 0;
        long trainedFrom = flat.length();
        for (Layer layer : net.getLayers()) {
            String name = layer.conf().getLayer().getLayerName();
            for (INDArray view : layer.paramTable().values()) {
                long start = view.offset() - flat.offset();
                if (frozen.contains(name)) {
                    frozenEnd = Math.max(frozenEnd, start + view.length());
                } else {
                    trainedFrom = Math.min(trainedFrom, start);
                }
            }
            if (!(layer instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization)) {
                continue;
            }
            for (String key : List.of(BatchNormalizationParamInitializer.GLOBAL_MEAN,
                    BatchNormalizationParamInitializer.GLOBAL_VAR, BatchNormalizationParamInitializer.GLOBAL_LOG_STD)) {
                INDArray view = layer.paramTable().get(key);
                if (view != null) {
                    long start = view.offset() - flat.offset();
                    ranges.add(new long[] {start, start + view.length()});
                }
            }
        }
        if (frozenEnd > trainedFrom) {
            throw new IllegalArgumentException("frozen layers must lead the parameter vector: " + frozen);
        }
        ranges.sort((a, b) -> Long.compare(a[0], b[0]));
        return new ParamLayout(flat.length(), ranges, frozen.isEmpty() ? 0 : trainedFrom);
    }

    private static List<ModelDescription.Param> params(Layer layer, INDArray flat) {
        List<ModelDescription.Param> params = new ArrayList<>();
        for (Map.Entry<String, INDArray> entry : layer.paramTable().entrySet()) {
            INDArray view = entry.getValue();
            params.add(new ModelDescription.Param(entry.getKey(), view.offset() - flat.offset(),
                    Arrays.stream(view.shape()).boxed().toList(), view.ordering()));
        }
        return params;
    }

    private static ModelDescription.Op op(String name, ModelDescription.Kind kind, List<String> inputs, int kernel, int stride, int pad,
                                          int outChannels, boolean relu, double eps, double momentum, Set<String> frozen,
                                          List<ModelDescription.Param> params) {
        return new ModelDescription.Op(name, kind, inputs, kernel, stride, pad, outChannels, relu, eps, momentum,
                frozen.contains(name), params);
    }
}
