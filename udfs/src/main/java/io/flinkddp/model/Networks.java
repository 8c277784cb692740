package io.flinkddp.model;

import io.flinkddp.config.TrainOptions;
import io.flinkddp.config.TrainingSettings;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.distribution.UniformDistribution;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The networks, defined once and used by the job, the tests and the benchmarks.
 *
 * <p>{@link #resNet50} matches torchvision's {@code resnet50}: v1.5 (stride on the 3x3 convolution of
 * a bottleneck), convolutions without bias, batch norm with eps 1e-5 and momentum 0.1 (DL4J decay 0.9),
 * global average pooling (so any input from 32 px up works) and a fully connected classifier. Batch norm
 * keeps its running variance as PyTorch does (a moving average of the variance, not DL4J's default of
 * log10 of the standard deviation, which lags far behind early in training). Its
 * trainable parameter count equals torchvision's: 25,557,032 at 1000 classes, 23,528,522 at 10.
 *
 * <p>model.zip states no updater ({@code NoOp}) and no learning rate: the job applies its own SGD step
 * ({@link ReplicaEngine#sgdStep}) with the schedule's rates, which the run's summary.json records.
 */
public final class Networks {

    /** Name of the classifier layer; its input vertex feeds the training top-k counts. */
    public static final String OUTPUT = "fc";
    public static final String INPUT = "input";

    private static final int[] RESNET50_BLOCKS = {3, 4, 6, 3};
    private static final int[] RESNET50_WIDTHS = {64, 128, 256, 512};
    private static final int EXPANSION = 4;

    private Networks() {
    }

    /** The network named by {@code settings.model()}, initialised from {@code settings.seed()}. */
    public static ComputationGraph build(TrainingSettings settings, int numClasses) {
        ComputationGraphConfiguration conf = TrainingSettings.CNN_SMALL.equals(settings.model())
                ? smallCnn(numClasses, settings.cropPixels(), settings.seed())
                : resNet50(numClasses, settings.cropPixels(), settings.seed());
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }

    /**
     * The vertices of a ResNet built here that {@code --freeze stage} freezes: the stem (conv1, bn1,
     * relu1, maxpool) and every bottleneck of layer1 up to the named stage; none for "none".
     */
    public static Set<String> frozenVertices(ComputationGraph net, String stage) {
        int upTo = TrainOptions.FREEZE_STAGES.indexOf(stage);
        if (upTo < 0) {
            throw new IllegalArgumentException("--freeze must be one of " + TrainOptions.FREEZE_STAGES + ", got " + stage);
        }
        Set<String> frozen = new HashSet<>();
        for (GraphVertex vertex : net.getVertices()) {
            String name = vertex.getVertexName();
            int stageOf = name.startsWith("layer") ? 1 + Integer.parseInt(name.substring(5, name.indexOf('.')))
                    : List.of("conv1", "bn1", "relu1", "maxpool").contains(name) ? 1 : Integer.MAX_VALUE;
            if (stageOf <= upTo) {
                frozen.add(name);
            }
        }
        if (upTo > 0 && !frozen.contains("bn1")) {
            throw new IllegalArgumentException("--freeze " + stage + " needs --model resnet50");
        }
        return frozen;
    }

    public static ComputationGraphConfiguration resNet50(int numClasses, int imageSize, long seed) {
        return resNet(RESNET50_BLOCKS, numClasses, imageSize, seed);
    }

    /** ResNet50's layers with {@code blocks[s]} bottlenecks in stage s (ResNet50 has 3, 4, 6, 3); shallower ones test the kernels. */
    public static ComputationGraphConfiguration resNet(int[] blocks, int numClasses, int imageSize, long seed) {
        GraphBuilder graph = base(seed)
                .addInputs(INPUT)
                .setInputTypes(InputType.convolutional(imageSize, imageSize, 3));
        graph.addLayer("conv1", conv(7, 2, 3, 64), INPUT);
        graph.addLayer("bn1", batchNorm(), "conv1");
        graph.addLayer("relu1", relu(), "bn1");
        graph.addLayer("maxpool", new SubsamplingLayer.Builder(PoolingType.MAX)
                .kernelSize(3, 3).stride(2, 2).padding(1, 1).build(), "relu1");
        String previous = "maxpool";
        for (int stage = 0; stage < blocks.length; stage++) {
            for (int block = 0; block < blocks[stage]; block++) {
                int stride = stage > 0 && block == 0 ? 2 : 1;
                previous = bottleneck(graph, "layer" + (stage + 1) + "." + block, previous,
                        RESNET50_WIDTHS[stage], stride, block == 0);
            }
        }
        graph.addLayer("avgpool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), previous);
        graph.addLayer(OUTPUT, classifier(numClasses, 2048), "avgpool");
        return graph.setOutputs(OUTPUT).build();
    }

    /** A three-convolution CNN without batch norm, for fast tests and smoke runs of the training mechanics. */
    public static ComputationGraphConfiguration smallCnn(int numClasses, int imageSize, long seed) {
        GraphBuilder graph = base(seed)
                .addInputs(INPUT)
                .setInputTypes(InputType.convolutional(imageSize, imageSize, 3));
        String previous = INPUT;
        int[] filters = {16, 32, 64};
        for (int i = 0; i < filters.length; i++) {
            String conv = "conv" + (i + 1);
            graph.addLayer(conv, new ConvolutionLayer.Builder(3, 3).padding(1, 1).nOut(filters[i])
                    .activation(Activation.RELU).build(), previous);
            previous = conv;
            if (i < filters.length - 1) {
                graph.addLayer("pool" + (i + 1), new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(), conv);
                previous = "pool" + (i + 1);
            }
        }
        graph.addLayer("avgpool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), previous);
        graph.addLayer(OUTPUT, classifier(numClasses, filters[filters.length - 1]), "avgpool");
        return graph.setOutputs(OUTPUT).build();
    }

    private static GraphBuilder base(long seed) {
        return new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .updater(new NoOp())
                .weightInit(WeightInit.RELU)
                .convolutionMode(ConvolutionMode.Truncate)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .graphBuilder();
    }

    /** torchvision's Bottleneck: 1x1, 3x3 (with the stride), 1x1 expanding by 4, plus the shortcut. */
    private static String bottleneck(GraphBuilder graph, String name, String input, int width, int stride, boolean project) {
        graph.addLayer(name + ".conv1", conv(1, 1, 0, width), input);
        graph.addLayer(name + ".bn1", batchNorm(), name + ".conv1");
        graph.addLayer(name + ".relu1", relu(), name + ".bn1");
        graph.addLayer(name + ".conv2", conv(3, stride, 1, width), name + ".relu1");
        graph.addLayer(name + ".bn2", batchNorm(), name + ".conv2");
        graph.addLayer(name + ".relu2", relu(), name + ".bn2");
        graph.addLayer(name + ".conv3", conv(1, 1, 0, width * EXPANSION), name + ".relu2");
        graph.addLayer(name + ".bn3", batchNorm(), name + ".conv3");
        String shortcut = input;
        if (project) {
            graph.addLayer(name + ".downsample.0", conv(1, stride, 0, width * EXPANSION), input);
            graph.addLayer(name + ".downsample.1", batchNorm(), name + ".downsample.0");
            shortcut = name + ".downsample.1";
        }
        graph.addVertex(name + ".add", new ElementWiseVertex(ElementWiseVertex.Op.Add), name + ".bn3", shortcut);
        graph.addLayer(name + ".relu", relu(), name + ".add");
        return name + ".relu";
    }

    /** A convolution without bias, initialised as torchvision does: kaiming normal, fan-out, ReLU gain. */
    private static ConvolutionLayer conv(int kernel, int stride, int padding, int filters) {
        return new ConvolutionLayer.Builder(kernel, kernel).stride(stride, stride).padding(padding, padding)
                .nOut(filters).hasBias(false).activation(Activation.IDENTITY)
                .weightInit(new NormalDistribution(0, Math.sqrt(2.0 / (kernel * kernel * filters)))).build();
    }

    private static BatchNormalization batchNorm() {
        return new BatchNormalization.Builder().eps(1e-5).decay(0.9).useLogStd(false).build();
    }

    private static ActivationLayer relu() {
        return new ActivationLayer.Builder().activation(Activation.RELU).build();
    }

    /** The fully connected classifier, initialised as torch.nn.Linear's weights: uniform in +-1/sqrt(inputs). */
    private static OutputLayer classifier(int numClasses, int inputs) {
        double bound = 1 / Math.sqrt(inputs);
        return new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(numClasses)
                .activation(Activation.SOFTMAX).weightInit(new UniformDistribution(-bound, bound)).build();
    }
}
