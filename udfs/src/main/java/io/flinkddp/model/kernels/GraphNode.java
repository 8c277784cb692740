package io.flinkddp.model.kernels;

import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
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

    /** What the last training forward kept for the backward: its input, its output, or both (null: not kept). */
    INDArray keptInput;
    INDArray keptOutput;

    List<INDArray> kept() {
        return Stream.of(keptInput, keptOutput).filter(Objects::nonNull).toList();
    }

    /** Drops what {@link #kept} lists. */
    void release() {
        keptInput = null;
        keptOutput = null;
    }

    static INDArray flat(INDArray view) {
        return view == null ? null : view.reshape(view.length());
    }

    /** ReLU, in place when allowed; its backward reads its output. */
    static final class Relu extends GraphNode {
        Relu(String name, List<String> inputs, ActivationLayer conf) {
            super(name, inputs);
            if (!(conf.getActivationFn() instanceof ActivationReLU)) {
                throw new IllegalArgumentException(name + ": activation " + conf.getActivationFn() + " does not run natively");
            }
        }

        @Override
        INDArray forward(INDArray[] in, boolean training, boolean inPlace) {
            INDArray out = NativeOps.reluInPlace(inPlace ? in[0] : pool.take(in[0].dataType(), in[0].shape()).assign(in[0]));
            keptOutput = training ? out : null;
            return out;
        }

        @Override
        INDArray[] backward(INDArray dOut) {
            return new INDArray[] {NativeOps.reluBackwardInPlace(keptOutput, dOut, helpers)};
        }

        @Override
        boolean backwardReadsOutput() {
            return true;
        }


    }

    /** Max pooling with a square window. */
    static final class MaxPool extends GraphNode {
        private final int k;
        private final int stride;
        private final int pad;

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
            keptInput = training ? in[0] : null;
            return NativeOps.maxPool2d(pool, in[0], k, stride, pad, helpers);
        }

        @Override
        INDArray[] backward(INDArray dOut) {
            return new INDArray[] {NativeOps.maxPool2dBackward(pool, keptInput, dOut, k, stride, pad, helpers)};
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
    }
}
