package io.flinkddp.bench;

import io.flinkddp.model.Networks;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Does the oneDNN-helper lever change the numbers? Builds ResNet50 twice from the same seed, once with
 * DL4J's layer helpers disabled (the default) and once allowed (needs the Nd4jCpu shim on the bench
 * classpath), computes the gradient of the same random batch with both and prints the relative
 * difference of the gradients and of the losses. Usage: HelperCheck [BATCH] [SIZE]
 */
public final class HelperCheck {

    public static void main(String[] args) {
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.randn(DataType.FLOAT, batch, 3, size, size);
        INDArray y = Nd4j.zeros(DataType.FLOAT, batch, 1000);
        for (int i = 0; i < batch; i++) {
            y.putScalar(i, (i * 37) % 1000, 1f);
        }
        INDArray[] gradients = new INDArray[2];
        double[] scores = new double[2];
        for (int run = 0; run < 2; run++) {
            System.setProperty("org.eclipse.deeplearning4j.helpers.disable", run == 0 ? "true" : "false");
            ComputationGraph net = new ComputationGraph(Networks.resNet50(1000, size, 42));
            net.init();
            long helpers = java.util.Arrays.stream(net.getLayers()).filter(l -> l.getHelper() != null).count();
            net.setInputs(x);
            net.setLabels(y);
            net.computeGradientAndScore();
            gradients[run] = net.getFlattenedGradients().dup();
            scores[run] = net.score();
            System.out.printf("# helpers %s: %d layers with a helper, loss %.6f, gradient norm %.6e%n",
                    run == 0 ? "off" : "on", helpers, scores[run], gradients[run].norm2Number().doubleValue());
        }
        double relative = gradients[1].sub(gradients[0]).norm2Number().doubleValue() / gradients[0].norm2Number().doubleValue();
        System.out.printf("helpers gradient relative difference %.3e, loss difference %.3e%n", relative, Math.abs(scores[1] - scores[0]));
        // the same without the batch-norm running-statistic entries (deltas, not gradients)
        ComputationGraph net = new ComputationGraph(Networks.resNet50(1000, size, 42));
        net.init();
        long n = gradients[0].length();
        INDArray a = gradients[0].reshape(n).dup();
        INDArray b = gradients[1].reshape(n).dup();
        for (long[] range : io.flinkddp.model.Dl4jDescription.layout(net).statisticRanges()) {
            a.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(range[0], range[1])).assign(0);
            b.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(range[0], range[1])).assign(0);
        }
        System.out.printf("helpers trainable-gradient relative difference %.3e (statistics entries left out)%n",
                b.sub(a).norm2Number().doubleValue() / a.norm2Number().doubleValue());
    }

    private HelperCheck() {
    }
}
