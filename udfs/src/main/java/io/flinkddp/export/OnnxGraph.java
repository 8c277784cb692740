package io.flinkddp.export;

import io.flinkddp.model.weights.TorchTensor;
import io.flinkddp.model.weights.TorchWeights;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import onnx.Onnx;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.shade.protobuf.ByteString;

/**
 * A network's inference graph as an ONNX model: opset 17, IR version 8 (what ONNX 1.12 checks),
 * through the protobuf classes generated from ONNX's own {@code onnx.proto} that ND4J's
 * {@code nd4j-api} ships ({@code onnx.Onnx}, on ND4J's shaded protobuf).
 *
 * <p>In: the network (its vertices in topological order), the crop side, and text metadata (class
 * names, preprocessing). Out: a {@link Onnx.ModelProto} with input {@code images}, float32
 * {@code [N, 3, crop, crop]} already normalised (N dynamic), and output {@code logits}, float32
 * {@code [N, classes]} before the softmax. Each layer becomes the ONNX operator PyTorch's exporter
 * would write: Conv, BatchNormalization on the running statistics (eval mode; not folded into the
 * convolutions, so the file holds the same tensors as the .pth: ONNX Runtime folds them itself when it
 * loads the model), Relu, MaxPool, Add, GlobalAveragePool + Flatten, and Gemm for the classifier
 * (weight [classes, 2048], transB). Initializers carry torchvision's names, from
 * {@link TorchWeights#stateDict}. A layer of another kind stops with one line naming it. Keeps nothing.
 */
public final class OnnxGraph {

    public static final String INPUT = "images";
    public static final String OUTPUT = "logits";
    public static final int OPSET = 17;
    public static final long IR_VERSION = 8;

    private OnnxGraph() {
    }

    public static Onnx.ModelProto model(ComputationGraph net, int cropPixels, int classCount, Map<String, String> metadata) {
        ComputationGraphConfiguration conf = net.getConfiguration();
        String input = conf.getNetworkInputs().get(0);
        String output = conf.getNetworkOutputs().get(0);
        Onnx.GraphProto.Builder graph = Onnx.GraphProto.newBuilder().setName("flink-ddp");
        for (int index : net.topologicalSortOrder()) {
            String name = net.getVertices()[index].getVertexName();
            if (name.equals(input)) {
                continue;
            }
            List<String> inputs = conf.getVertexInputs().get(name).stream()
                    .map(v -> v.equals(input) ? INPUT : v).toList();
            String out = name.equals(output) ? OUTPUT : name;
            nodes(graph, name, conf.getVertices().get(name), inputs, out);
        }
        for (Map.Entry<String, TorchTensor> e : TorchWeights.stateDict(net).entrySet()) {
            graph.addInitializer(tensor(e.getKey(), e.getValue()));
        }
        graph.addInput(value(INPUT, dynamic(), 3, cropPixels, cropPixels));
        graph.addOutput(value(OUTPUT, dynamic(), classCount));
        Onnx.ModelProto.Builder model = Onnx.ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setProducerName("flink-ddp")
                .setGraph(graph);
        metadata.forEach((key, value) -> model.addMetadataProps(Onnx.StringStringEntryProto.newBuilder().setKey(key).setValue(value)));
        return model.build();
    }

    private static void nodes(Onnx.GraphProto.Builder graph, String name, GraphVertex vertex, List<String> inputs, String out) {
        if (vertex instanceof ElementWiseVertex add && add.getOp() == ElementWiseVertex.Op.Add) {
            graph.addNode(node("Add", name, inputs, out));
            return;
        }
        if (!(vertex instanceof LayerVertex layerVertex)) {
            throw unsupported(name, vertex.getClass().getSimpleName());
        }
        Layer layer = layerVertex.getLayerConf().getLayer();
        String x = inputs.get(0);
        if (layer instanceof ConvolutionLayer conv && !(layer instanceof SubsamplingLayer)) {
            requireTruncate(name, conv.getConvolutionMode());
            List<String> in = new ArrayList<>(List.of(x, name + ".weight"));
            if (conv.hasBias()) {
                in.add(name + ".bias");
            }
            boolean relu = activation(name, conv.getActivationFn());
            String convOut = relu ? name + ".preactivation" : out;
            graph.addNode(node("Conv", name, in, convOut)
                    .addAttribute(ints("kernel_shape", conv.getKernelSize()))
                    .addAttribute(ints("strides", conv.getStride()))
                    .addAttribute(ints("pads", pads(conv.getPadding())))
                    .addAttribute(ints("dilations", conv.getDilation())));
            if (relu) {
                graph.addNode(node("Relu", name + ".relu", List.of(convOut), out));
            }
        } else if (layer instanceof SubsamplingLayer pool && pool.getPoolingType() == PoolingType.MAX) {
            requireTruncate(name, pool.getConvolutionMode());
            graph.addNode(node("MaxPool", name, List.of(x), out)
                    .addAttribute(ints("kernel_shape", pool.getKernelSize()))
                    .addAttribute(ints("strides", pool.getStride()))
                    .addAttribute(ints("pads", pads(pool.getPadding()))));
        } else if (layer instanceof BatchNormalization bn) {
            graph.addNode(node("BatchNormalization", name,
                    List.of(x, name + ".weight", name + ".bias", name + ".running_mean", name + ".running_var"), out)
                    .addAttribute(Onnx.AttributeProto.newBuilder().setName("epsilon").setType(Onnx.AttributeProto.AttributeType.FLOAT)
                            .setF((float) bn.getEps())));
        } else if (layer instanceof ActivationLayer relu && activation(name, relu.getActivationFn())) {
            graph.addNode(node("Relu", name, List.of(x), out));
        } else if (layer instanceof GlobalPoolingLayer pool && pool.getPoolingType() == PoolingType.AVG) {
            graph.addNode(node("GlobalAveragePool", name, List.of(x), name + ".pooled"));
            graph.addNode(node("Flatten", name + ".flatten", List.of(name + ".pooled"), out)
                    .addAttribute(Onnx.AttributeProto.newBuilder().setName("axis").setType(Onnx.AttributeProto.AttributeType.INT).setI(1)));
        } else if (layer instanceof BaseOutputLayer dense && dense.getActivationFn() instanceof ActivationSoftmax && dense.hasBias()) {
            graph.addNode(node("Gemm", name, List.of(x, name + ".weight", name + ".bias"), out)
                    .addAttribute(Onnx.AttributeProto.newBuilder().setName("transB").setType(Onnx.AttributeProto.AttributeType.INT).setI(1)));
        } else {
            throw unsupported(name, layer.getClass().getSimpleName());
        }
    }

    /** True for ReLU, false for the identity; any other activation has no operator here. */
    private static boolean activation(String name, IActivation activation) {
        if (activation instanceof ActivationReLU) {
            return true;
        }
        if (activation == null || activation instanceof ActivationIdentity) {
            return false;
        }
        throw unsupported(name, "activation " + activation);
    }

    private static void requireTruncate(String name, ConvolutionMode mode) {
        if (mode != null && mode != ConvolutionMode.Truncate && mode != ConvolutionMode.Strict) {
            throw unsupported(name, "convolution mode " + mode);
        }
    }

    private static IllegalArgumentException unsupported(String name, String what) {
        return new IllegalArgumentException(name + ": a " + what + " has no ONNX operator in this export");
    }

    private static Onnx.NodeProto.Builder node(String op, String name, List<String> inputs, String output) {
        return Onnx.NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(output);
    }

    private static Onnx.AttributeProto ints(String name, int[] values) {
        return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.INTS)
                .addAllInts(Arrays.stream(values).asLongStream().boxed().toList()).build();
    }

    /** DL4J's [top, left] padding as ONNX's [top, left, bottom, right]. */
    private static int[] pads(int[] padding) {
        return new int[] {padding[0], padding[1], padding[0], padding[1]};
    }

    private static Onnx.TensorProto tensor(String name, TorchTensor values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.values().length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values.values()) {
            bytes.putFloat(v);
        }
        bytes.flip();
        Onnx.TensorProto.Builder tensor = Onnx.TensorProto.newBuilder().setName(name).setDataType(Onnx.TensorProto.DataType.FLOAT_VALUE)
                .setRawData(ByteString.copyFrom(bytes));
        for (long d : values.shape()) {
            tensor.addDims(d);
        }
        return tensor.build();
    }

    private static Onnx.TensorShapeProto.Dimension dynamic() {
        return Onnx.TensorShapeProto.Dimension.newBuilder().setDimParam("N").build();
    }

    private static Onnx.ValueInfoProto value(String name, Onnx.TensorShapeProto.Dimension batch, long... dims) {
        Onnx.TensorShapeProto.Builder shape = Onnx.TensorShapeProto.newBuilder().addDim(batch);
        for (long d : dims) {
            shape.addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return Onnx.ValueInfoProto.newBuilder().setName(name).setType(Onnx.TypeProto.newBuilder()
                .setTensorType(Onnx.TypeProto.Tensor.newBuilder().setElemType(Onnx.TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
    }
}
