package io.flinkddp.model.kernels;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastCopyOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One vertex of a network as {@link NativeGraph} runs it: a forward that may keep what its backward
 * needs (and nothing more), and a backward that writes its parameters' gradients into the network's
 * gradient view and returns the gradients of its inputs. Parameters are DL4J's own views, so model.zip
 * is unchanged. What a node keeps lives from its training forward to its backward; {@link #kept}
 * lists it and {@link #release} drops it.
 */
abstract class GraphNode {

    final String name;
    final String[] inputs;
    boolean helpers = true;
    /** Where the node's outputs come from; set by the graph. */
    ArrayPool pool;

    GraphNode(String name, List<String> inputs) {
        this.name = name;
        this.inputs = inputs.toArray(new String[0]);
    }

    /** Computes the output; with {@code inPlace} it may overwrite (and return) its first input. */
    abstract INDArray forward(INDArray[] in, boolean training, boolean inPlace);

    /** The gradients of the inputs, from the gradient of the output (which it may overwrite and return). */
    abstract INDArray[] backward(INDArray dOut);

    /** Whether the backward reads this node's own output (then no later node may overwrite it). */
    boolean backwardReadsOutput() {
        return false;
    }

    /** What the last training forward kept for the backward. */
    abstract List<INDArray> kept();

    abstract void release();

    static INDArray flat(INDArray view) {
        return view == null ? null : view.reshape(view.length());
    }

    /** A convolution, optionally with bias and a ReLU (the small CNN's layers). */
    static final class Conv extends GraphNode {
        private final INDArray w;
        private final INDArray b;
        private final INDArray dw;
        private final INDArray db;
        private final int stride;
        private final int pad;
        private final boolean relu;
        private INDArray x;
        private INDArray y;

        Conv(String name, List<String> inputs, ConvolutionLayer conf, Layer layer, Map<String, INDArray> grads) {
            super(name, inputs);
            int[] k = conf.getKernelSize();
            int[] s = conf.getStride();
            int[] p = conf.getPadding();
            int[] d = conf.getDilation();
            if (k[0] != k[1] || s[0] != s[1] || p[0] != p[1] || d[0] != 1 || d[1] != 1) {
                throw new IllegalArgumentException(name + ": only square kernels, strides and paddings without dilation run natively");
            }
            this.stride = s[0];
            this.pad = p[0];
            this.relu = conf.getActivationFn() instanceof ActivationReLU;
            if (!relu && !(conf.getActivationFn() instanceof ActivationIdentity)) {
                throw new IllegalArgumentException(name + ": activation " + conf.getActivationFn() + " does not run natively");
            }
            this.w = layer.getParam("W");
            this.dw = grads.get("W");
            this.b = conf.hasBias() ? flat(layer.getParam("b")) : null;
            this.db = conf.hasBias() ? flat(grads.get("b")) : null;
        }

        @Override
        INDArray forward(INDArray[] in, boolean training, boolean inPlace) {
            INDArray out = NativeOps.conv2d(pool, in[0], w, b, stride, pad, helpers);
            if (relu) {
                NativeOps.reluInPlace(out);
            }
            if (training) {
                x = in[0];
                y = relu ? out : null;
            }
            return out;
        }

        @Override
        INDArray[] backward(INDArray dOut) {
            if (relu) {
                NativeOps.reluBackwardInPlace(y, dOut, helpers);
            }
            return new INDArray[] {NativeOps.conv2dBackward(pool, x, w, b, dOut, stride, pad, dw, db, helpers)};
        }

        @Override
        boolean backwardReadsOutput() {
            return relu;
        }

        @Override
        List<INDArray> kept() {
            return relu ? List.of(x, y) : List.of(x);
        }

        @Override
        void release() {
            x = null;
            y = null;
        }
    }

    /**
     * Batch norm as torch.nn.BatchNorm2d: batch statistics in training (the running ones move by
     * momentum 1 - DL4J's decay, with the unbiased variance), running statistics in inference. The
     * running statistics' gradient entries get the deltas to subtract (see {@link io.flinkddp.model.ParamLayout}).
     */
    static final class BatchNorm extends GraphNode {
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
        private INDArray x;
        private NativeOps.BatchNormResult batch;

        BatchNorm(String name, List<String> inputs, BatchNormalization conf, Layer layer, Map<String, INDArray> grads) {
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
            x = in[0];
            batch = onCpu ? CpuKernels.forward(pool, x, gamma, beta, eps)
                    : NativeOps.batchNormTrain(pool, x, gamma, beta, eps, helpers);
            NativeOps.runningStatisticDeltas(batch, x.length() / x.size(1), momentum, mean, var, meanDelta, varDelta);
            return batch.y();
        }

        @Override
        INDArray[] backward(INDArray dOut) {
            if (onCpu) {
                return new INDArray[] {CpuKernels.backward(pool, x, batch.batchMean(), batch.batchVar(), gamma, dOut, eps, dGamma, dBeta)};
            }
            INDArray[] g = NativeOps.batchNormBackward(pool, x, batch.batchMean(), batch.batchVar(), gamma, beta, dOut, eps, helpers);
            dGamma.assign(g[1]);
            dBeta.assign(g[2]);
            return new INDArray[] {g[0]};
        }

        @Override
        List<INDArray> kept() {
            return List.of(x);
        }

        @Override
        void release() {
            x = null;
            batch = null;
        }
    }

    /** ReLU, in place when allowed; its backward reads its output. */
    static final class Relu extends GraphNode {
        private final boolean onCpu = CpuKernels.applies();
        private INDArray y;

        Relu(String name, List<String> inputs, ActivationLayer conf) {
            super(name, inputs);
            if (!(conf.getActivationFn() instanceof ActivationReLU)) {
                throw new IllegalArgumentException(name + ": activation " + conf.getActivationFn() + " does not run natively");
            }
        }

        @Override
        INDArray forward(INDArray[] in, boolean training, boolean inPlace) {
            INDArray out = NativeOps.reluInPlace(inPlace ? in[0] : pool.take(in[0].dataType(), in[0].shape()).assign(in[0]));
            y = training ? out : null;
            return out;
        }

        @Override
        INDArray[] backward(INDArray dOut) {
            return new INDArray[] {onCpu ? CpuKernels.reluBackwardInPlace(y, dOut) : NativeOps.reluBackwardInPlace(y, dOut, helpers)};
        }

        @Override
        boolean backwardReadsOutput() {
            return true;
        }

        @Override
        List<INDArray> kept() {
            return List.of(y);
        }

        @Override
        void release() {
            y = null;
        }
    }

    /** Max pooling with a square window. */
    static final class MaxPool extends GraphNode {
        private final int k;
        private final int stride;
        private final int pad;
        private INDArray x;

        MaxPool(String name, List<String> inputs, int[] kernel, int[] stride, int[] pad) {
            super(name, inputs);
            if (kernel[0] != kernel[1] || stride[0] != stride[1] || pad[0] != pad[1]) {
                throw new IllegalArgumentException(name + ": only square pooling windows run natively");
            }
            this.k = kernel[0];
            this.stride = stride[0];
            this.pad = pad[0];
        }

        @Override
        INDArray forward(INDArray[] in, boolean training, boolean inPlace) {
            x = training ? in[0] : null;
            return NativeOps.maxPool2d(pool, in[0], k, stride, pad, helpers);
        }

        @Override
        INDArray[] backward(INDArray dOut) {
            return new INDArray[] {NativeOps.maxPool2dBackward(pool, x, dOut, k, stride, pad, helpers)};
        }

        @Override
        List<INDArray> kept() {
            return List.of(x);
        }

        @Override
        void release() {
            x = null;
        }
    }

    /** The sum of two inputs (a residual connection), in place into the first when allowed. */
    static final class Add extends GraphNode {
        Add(String name, List<String> inputs) {
            super(name, inputs);
            if (this.inputs.length != 2) {
                throw new IllegalArgumentException(name + ": only two-input sums run natively");
            }
        }

        @Override
        INDArray forward(INDArray[] in, boolean training, boolean inPlace) {
            return inPlace ? in[0].addi(in[1]) : pool.take(in[0].dataType(), in[0].shape()).assign(in[0]).addi(in[1]);
        }

        @Override
        INDArray[] backward(INDArray dOut) {
            return new INDArray[] {dOut, pool.take(dOut.dataType(), dOut.shape()).assign(dOut)};
        }

        @Override
        List<INDArray> kept() {
            return List.of();
        }

        @Override
        void release() {
        }
    }

    /** Global average pooling over h and w: [n,c,h,w] to [n,c]. */
    static final class GlobalAvgPool extends GraphNode {
        private long[] shape;

        GlobalAvgPool(String name, List<String> inputs) {
            super(name, inputs);
        }

        @Override
        INDArray forward(INDArray[] in, boolean training, boolean inPlace) {
            shape = in[0].shape();
            return in[0].mean(2, 3);
        }

        @Override
        INDArray[] backward(INDArray dOut) {
            INDArray dx = pool.take(dOut.dataType(), shape);
            Nd4j.exec(new BroadcastCopyOp(dx, dOut.divi(shape[2] * shape[3]), dx, 0, 1));
            return new INDArray[] {dx};
        }

        @Override
        List<INDArray> kept() {
            return List.of();
        }

        @Override
        void release() {
        }
    }
}
