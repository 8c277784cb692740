package io.flinkddp.model.kernels;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Batch norm as torch.nn.BatchNorm2d: batch statistics in training (the running ones move by
 * momentum 1 - DL4J's decay, with the unbiased variance), running statistics in inference. The
 * running statistics' gradient entries get the deltas to subtract (see {@link io.flinkddp.model.ParamLayout}).
 */
final class BatchNormNode extends GraphNode {

    private final INDArray gamma;
    private final INDArray beta;
    private final INDArray mean;
    private final INDArray var;
    private final INDArray dGamma;
    private final INDArray dBeta;
    private final INDArray meanDelta;
    private final INDArray varDelta;
    private final double eps;
    private final double momentum;
    /** Training on the CPU runs {@link CpuKernels}; elsewhere (GPU: cuDNN) libnd4j's ops. */
    private final boolean onCpu = CpuKernels.applies();
    private NativeOps.BatchNormResult batch;

    BatchNormNode(String name, List<String> inputs, BatchNormalization conf, Layer layer, Map<String, INDArray> grads) {
        super(name, inputs);
        if (conf.isUseLogStd() || conf.isLockGammaBeta()) {
            throw new IllegalArgumentException(name + ": only batch norm with trained gamma/beta and a running variance runs natively");
        }
        this.eps = conf.getEps();
        this.momentum = 1 - conf.getDecay();
        this.gamma = flat(layer.getParam("gamma"));
        this.beta = flat(layer.getParam("beta"));
        this.mean = flat(layer.getParam("mean"));
        this.var = flat(layer.getParam("var"));
        this.dGamma = flat(grads.get("gamma"));
        this.dBeta = flat(grads.get("beta"));
        this.meanDelta = flat(grads.get("mean"));
        this.varDelta = flat(grads.get("var"));
    }

    @Override
    INDArray forward(INDArray[] in, boolean training, boolean inPlace) {
        if (!training) {
            return NativeOps.batchNorm(pool, in[0], mean, var, gamma, beta, eps, helpers);
        }
        INDArray x = in[0];
        keptInput = x;
        batch = onCpu ? CpuKernels.forward(pool, x, gamma, beta, eps)
                : NativeOps.batchNormTrain(pool, x, gamma, beta, eps, helpers);
        NativeOps.runningStatisticDeltas(batch, x.length() / x.size(1), momentum, mean, var, meanDelta, varDelta);
        return batch.y();
    }

    @Override
    INDArray[] backward(INDArray dOut) {
        if (onCpu) {
            return new INDArray[] {CpuKernels.backward(pool, keptInput, batch.batchMean(), batch.batchVar(), gamma, dOut, eps, dGamma, dBeta)};
        }
        INDArray[] g = NativeOps.batchNormBackward(pool, keptInput, batch.batchMean(), batch.batchVar(), gamma, beta, dOut, eps, helpers);
        dGamma.assign(g[1]);
        dBeta.assign(g[2]);
        return new INDArray[] {g[0]};
    }


    @Override
    void release() {
        super.release();
        batch = null;
    }
}
