package io.flinkddp.model.kernels;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * ResNet's kernels as libnd4j declarable ops, NCHW, float32. Each call runs one op through an
 * {@link OpContext}; with {@code helpers} true libnd4j may run its platform implementation
 * (oneDNN in the {@code -onednn} builds of nd4j-native, cuDNN in the {@code -cudnn} CUDA builds),
 * with false its generic C++ one. Inputs that are not dense c-order are copied first: libnd4j
 * M2.1's oneDNN batchnorm/batchnorm_bp pack gamma and beta in the input's order and give wrong
 * results for an 'f'-order input (NativeOpsTest shows it). Keeps nothing between calls; outputs come from the caller's {@link ArrayPool}.
 */
public final class NativeOps {

    /** Batch-norm epsilon, as torch.nn.BatchNorm2d. */
    public static final double BN_EPS = 1e-5;
    /** Running-statistics momentum, as torch.nn.BatchNorm2d: running = (1 - m) * running + m * batch. */
    public static final double BN_MOMENTUM = 0.1;

    private static final int NCHW = 0;
    private static final int WEIGHTS_OIHW = 1;
    private static final int CHANNEL_AXIS = 1;

    private NativeOps() {}

    /** Forward of a convolution: x [n,iC,h,w], w [oC,iC,k,k], optional bias b [oC] (null for none) to y [n,oC,oh,ow]. */
    public static INDArray conv2d(ArrayPool pool, INDArray x, INDArray w, INDArray b, int stride, int pad, boolean helpers) {
        x = dense(x);
        w = dense(w);
        int k = (int) w.size(2);
        INDArray y = pool.take(x.dataType(), x.size(0), w.size(0),
                outSize(x.size(2), k, stride, pad), outSize(x.size(3), k, stride, pad));
        INDArray[] inputs = b == null ? new INDArray[] {x, w} : new INDArray[] {x, w, dense(b)};
        run("conv2d", inputs, new INDArray[] {y}, convArgs(k, stride, pad), null, helpers);
        return y;
    }

    /**
     * Backward of {@link #conv2d}: returns dx and writes dw (and db, with a bias) into the given arrays,
     * which may be views (a network's gradient view) as long as they are c-order and contiguous.
     */
    public static INDArray conv2dBackward(ArrayPool pool, INDArray x, INDArray w, INDArray b, INDArray dy, int stride,
                                          int pad, INDArray dw, INDArray db, boolean helpers) {
        x = dense(x);
        w = dense(w);
        dy = dense(dy);
        INDArray dx = pool.take(x.dataType(), x.shape());
        INDArray[] inputs = b == null ? new INDArray[] {x, w, dy} : new INDArray[] {x, w, dense(b), dy};
        INDArray[] outputs = b == null ? new INDArray[] {dx, dw} : new INDArray[] {dx, dw, db};
        run("conv2d_bp", inputs, outputs, convArgs((int) w.size(2), stride, pad), null, helpers);
        return dx;
    }

    /** What a training-mode batch norm forward returns: the output and the batch statistics. */
    public record BatchNormResult(INDArray y, INDArray batchMean, INDArray batchVar) {}

    /**
     * Training-mode batch norm over (n, h, w) per channel: normalises by the batch mean and biased
     * variance, which it returns with the output.
     */
    public static BatchNormResult batchNormTrain(ArrayPool pool, INDArray x, INDArray gamma, INDArray beta, double eps,
                                                 boolean helpers) {
        x = dense(x);
        INDArray mean = x.mean(0, 2, 3);
        INDArray var = x.var(false, 0, 2, 3);
        return new BatchNormResult(batchNorm(pool, x, mean, var, gamma, beta, eps, helpers), mean, var);
    }

    /** Batch norm with given statistics (inference mode: the running ones). */
    public static INDArray batchNorm(ArrayPool pool, INDArray x, INDArray mean, INDArray var, INDArray gamma,
                                     INDArray beta, double eps, boolean helpers) {
        x = dense(x);
        INDArray y = pool.take(x.dataType(), x.shape());
        run("batchnorm", new INDArray[] {x, dense(mean), dense(var), dense(gamma), dense(beta)}, new INDArray[] {y},
                new long[] {1, 1, CHANNEL_AXIS}, new double[] {eps}, helpers);
        return y;
    }

    /**
     * What torch's update would subtract from the running statistics after {@code batch} over
     * {@code count} values per channel: {@code meanDelta = m (running mean - batch mean)},
     * {@code varDelta = m (running var - unbiased batch var)}, so {@code running -= delta} is
     * {@code running = (1 - m) running + m batch}. Written into the two given arrays, all of shape [c].
     */
    public static void runningStatisticDeltas(BatchNormResult batch, long count, double momentum,
                                              INDArray runningMean, INDArray runningVar,
                                              INDArray meanDelta, INDArray varDelta) {
        meanDelta.assign(runningMean).subi(batch.batchMean()).muli(momentum);
        varDelta.assign(runningVar).subi(batch.batchVar().mul(count / (count - 1.0))).muli(momentum);
    }

    /**
     * Backward of {@link #batchNormTrain} (batch statistics depend on x): returns {dx, dgamma, dbeta}.
     * {@code batchMean} and {@code batchVar} are the ones the forward returned.
     */
    public static INDArray[] batchNormBackward(ArrayPool pool, INDArray x, INDArray batchMean, INDArray batchVar,
                                               INDArray gamma, INDArray beta, INDArray dy, double eps, boolean helpers) {
        x = dense(x);
        long c = x.size(1);
        INDArray dx = pool.take(x.dataType(), x.shape());
        INDArray dMean = Nd4j.createUninitialized(x.dataType(), c);
        INDArray dVar = Nd4j.createUninitialized(x.dataType(), c);
        INDArray dGamma = Nd4j.createUninitialized(x.dataType(), c);
        INDArray dBeta = Nd4j.createUninitialized(x.dataType(), c);
        run("batchnorm_bp",
                new INDArray[] {x, dense(batchMean), dense(batchVar), dense(gamma), dense(beta), dense(dy)},
                new INDArray[] {dx, dMean, dVar, dGamma, dBeta},
                new long[] {1, 1, CHANNEL_AXIS}, new double[] {eps}, helpers);
        return new INDArray[] {dx, dGamma, dBeta};
    }

    /** Max pooling, square window, padding never wins: x [n,c,h,w] to y. */
    public static INDArray maxPool2d(ArrayPool pool, INDArray x, int k, int stride, int pad, boolean helpers) {
        x = dense(x);
        INDArray y = pool.take(x.dataType(), x.size(0), x.size(1),
                outSize(x.size(2), k, stride, pad), outSize(x.size(3), k, stride, pad));
        run("maxpool2d", new INDArray[] {x}, new INDArray[] {y}, poolArgs(k, stride, pad), null, helpers);
        return y;
    }

    /** Backward of {@link #maxPool2d}: dy to dx. */
    public static INDArray maxPool2dBackward(ArrayPool pool, INDArray x, INDArray dy, int k, int stride, int pad,
                                             boolean helpers) {
        x = dense(x);
        INDArray dx = pool.take(x.dataType(), x.shape());
        run("maxpool2d_bp", new INDArray[] {x, dense(dy)}, new INDArray[] {dx}, poolArgs(k, stride, pad), null, helpers);
        return dx;
    }

    /** ReLU in place: {@code x = max(x, 0)}; returns x. */
    public static INDArray reluInPlace(INDArray x) {
        Transforms.relu(x, false);
        return x;
    }

    /** Backward of ReLU from its output y (y > 0 exactly where the input was): zeroes dy where y is 0, in place. */
    public static INDArray reluBackwardInPlace(INDArray y, INDArray dy, boolean helpers) {
        run("relu_bp", new INDArray[] {dense(y), dy}, new INDArray[] {dy}, new long[0], new double[] {0}, helpers);
        return dy;
    }

    /** Runs one declarable op by name with explicit inputs, outputs and arguments. */
    static void run(String opName, INDArray[] inputs, INDArray[] outputs, long[] iArgs, double[] tArgs,
                    boolean helpers) {
        CustomOp op = DynamicCustomOp.builder(opName).build();
        try (OpContext ctx = Nd4j.getExecutioner().buildContext()) {
            ctx.setInputArrays(inputs);
            ctx.setOutputArrays(outputs);
            ctx.setIArguments(iArgs);
            if (tArgs != null) {
                ctx.setTArguments(tArgs);
            }
            ctx.allowHelpers(helpers);
            Nd4j.exec(op, ctx);
        } catch (Exception e) {
            throw new IllegalStateException("native op " + opName + " failed", e);
        }
    }

    /**
     * The array itself if it is dense c-order with default strides (a contiguous view into a larger
     * buffer, such as a layer's weights in the network's parameter vector, is: libnd4j reads its offset),
     * else a dense copy.
     */
    static INDArray dense(INDArray a) {
        return a.ordering() == 'c' && Shape.hasDefaultStridesForShape(a) ? a : a.dup('c');
    }

    /** As {@link #dense}, and also copied unless it starts its buffer (for loops that read the buffer from index 0). */
    static INDArray denseAtStart(INDArray a) {
        INDArray d = dense(a);
        return d.offset() == 0 ? d : d.dup('c');
    }

    private static long[] convArgs(int k, int stride, int pad) {
        // kH, kW, sH, sW, pH, pW, dH, dW, same-mode off, NCHW, weights [oC, iC, kH, kW]
        return new long[] {k, k, stride, stride, pad, pad, 1, 1, 0, NCHW, WEIGHTS_OIHW};
    }

    private static long[] poolArgs(int k, int stride, int pad) {
        // kH, kW, sH, sW, pH, pW, dH, dW, same-mode off, extraParam0 (unused by max), NCHW
        return new long[] {k, k, stride, stride, pad, pad, 1, 1, 0, 0, NCHW};
    }

    private static long outSize(long in, int k, int stride, int pad) {
        return (in + 2L * pad - k) / stride + 1;
    }
}
