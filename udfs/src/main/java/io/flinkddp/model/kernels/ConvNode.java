package io.flinkddp.model.kernels;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A convolution: without bias (ResNet50), or with a bias and a ReLU (the small CNN's layers). */
final class ConvNode extends GraphNode {

    private final INDArray w;
    private final INDArray b;
    private final INDArray dw;
    private final INDArray db;
    private final int stride;
    private final int pad;
    private final boolean relu;

    ConvNode(String name, List<String> inputs, ConvolutionLayer conf, Layer layer, Map<String, INDArray> grads) {
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
            keptInput = in[0];
            keptOutput = relu ? out : null;
        }
        return out;
    }

    @Override
    INDArray[] backward(INDArray dOut) {
        if (relu) {
            NativeOps.reluBackwardInPlace(keptOutput, dOut, helpers);
        }
        return new INDArray[] {NativeOps.conv2dBackward(pool, keptInput, w, b, dOut, stride, pad, dw, db, helpers)};
    }

    @Override
    boolean backwardReadsOutput() {
        return relu;
    }


}
