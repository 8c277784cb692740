package io.flinkddp.bench;

import java.util.Map;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The SameDiff lever of "1. Compute per step", as a small experiment: one ResNet block unit, a 3x3
 * convolution (no bias) + training-mode batch norm + ReLU, with a mean-squared-error loss, forward and
 * backward (gradients only, no update), written once with DL4J layers (as Networks builds them) and once
 * in SameDiff (batch norm spelled out in SameDiff ops, see below). Peer: bench/block_peer.py. Prints {@code step LABEL BATCH SIZE SECONDS} lines.
 * Options: {@code --batch 8 --channels 64 --size 56 --steps 5 --warmup 2}.
 */
public final class BlockBench {

    public static void main(String[] args) {
        int batch = 8;
        int channels = 64;
        int size = 56;
        int steps = 5;
        int warmup = 2;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--batch" -> batch = Integer.parseInt(args[i + 1]);
                case "--channels" -> channels = Integer.parseInt(args[i + 1]);
                case "--size" -> size = Integer.parseInt(args[i + 1]);
                case "--steps" -> steps = Integer.parseInt(args[i + 1]);
                case "--warmup" -> warmup = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Nd4j.getRandom().setSeed(7);
        INDArray x = Nd4j.randn(DataType.FLOAT, batch, channels, size, size);
        INDArray y = Nd4j.randn(DataType.FLOAT, batch, channels, size, size);

        ComputationGraph graph = dl4jBlock(channels, size);
        SameDiff sd = sameDiffBlock(channels);
        Map<String, INDArray> placeholders = Map.of("in", x, "label", y);
        for (int step = 0; step < warmup + steps; step++) {
            long t0 = System.nanoTime();
            graph.setInputs(x);
            graph.setLabels(y);
            graph.computeGradientAndScore();
            long t1 = System.nanoTime();
            Map<String, INDArray> grads = sd.calculateGradients(placeholders, "w", "gamma", "beta");
            long t2 = System.nanoTime();
            String tag = step < warmup ? "# warmup" : "step";
            System.out.printf("%s dl4j-layers %d %d %.4f%n", tag, batch, size, (t1 - t0) / 1e9);
            System.out.printf("%s samediff %d %d %.4f%n", tag, batch, size, (t2 - t1) / 1e9);
            if (step == 0) {
                System.out.printf("# gradient norms: dl4j conv W %.4e, samediff w %.4e (different initial weights; sanity only)%n",
                        graph.getGradientsViewArray().norm2Number().doubleValue(), grads.get("w").norm2Number().doubleValue());
            }
        }
    }

    static ComputationGraph dl4jBlock(int channels, int size) {
        var conf = new NeuralNetConfiguration.Builder()
                .seed(7).dataType(DataType.FLOAT).updater(new Sgd(0.01))
                .convolutionMode(ConvolutionMode.Truncate)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED).inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(size, size, channels))
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).stride(1, 1).padding(1, 1).nOut(channels)
                        .hasBias(false).activation(Activation.IDENTITY).build(), "in")
                .addLayer("bn", new BatchNormalization.Builder().eps(1e-5).decay(0.9).useLogStd(false).build(), "conv")
                .addLayer("relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), "bn")
                .addLayer("loss", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).build(), "relu")
                .setOutputs("loss").build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        return graph;
    }

    static SameDiff sameDiffBlock(int channels) {
        SameDiff sd = SameDiff.create();
        SDVariable in = sd.placeHolder("in", DataType.FLOAT, -1, channels, -1, -1);
        SDVariable label = sd.placeHolder("label", DataType.FLOAT, -1, channels, -1, -1);
        SDVariable w = sd.var("w", Nd4j.randn(DataType.FLOAT, 3, 3, channels, channels).muli(Math.sqrt(2.0 / (9 * channels))));
        SDVariable gamma = sd.var("gamma", Nd4j.ones(DataType.FLOAT, channels));
        SDVariable beta = sd.var("beta", Nd4j.zeros(DataType.FLOAT, channels));
        Conv2DConfig conv = Conv2DConfig.builder().kH(3).kW(3).sH(1).sW(1).pH(1).pW(1)
                .paddingMode(org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode.VALID)
                .dataFormat("NCHW").build();
        SDVariable z = sd.cnn().conv2d(in, w, conv);
        // Training-mode batch norm written out: SameDiff's batchNorm op fails to differentiate in M2.1
        // ("Invalid axis argument ... Got null"), so normalise with the batch's statistics by hand.
        SDVariable mean = z.mean(true, 0, 2, 3);
        SDVariable centered = z.sub(mean);
        SDVariable variance = centered.mul(centered).mean(true, 0, 2, 3);
        SDVariable scale = sd.math().rsqrt(variance.add(1e-5)).mul(sd.reshape(gamma, 1, channels, 1, 1));
        SDVariable normed = centered.mul(scale).add(sd.reshape(beta, 1, channels, 1, 1));
        SDVariable out = sd.nn().relu(normed, 0);
        sd.loss().meanSquaredError("loss", label, out, null);
        sd.setLossVariables("loss");
        return sd;
    }

    private BlockBench() {
    }
}
