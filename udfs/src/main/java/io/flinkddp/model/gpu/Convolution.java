package io.flinkddp.model.gpu;

import static org.bytedeco.cuda.global.cudnn.CUDNN_CROSS_CORRELATION;
import static org.bytedeco.cuda.global.cudnn.CUDNN_DATA_FLOAT;
import static org.bytedeco.cuda.global.cudnn.CUDNN_FMA_MATH;
import static org.bytedeco.cuda.global.cudnn.CUDNN_STATUS_SUCCESS;
import static org.bytedeco.cuda.global.cudnn.CUDNN_TENSOR_NCHW;
import static org.bytedeco.cuda.global.cudnn.cudnnConvolutionBackwardData;
import static org.bytedeco.cuda.global.cudnn.cudnnConvolutionBackwardFilter;
import static org.bytedeco.cuda.global.cudnn.cudnnConvolutionForward;
import static org.bytedeco.cuda.global.cudnn.cudnnCreateConvolutionDescriptor;
import static org.bytedeco.cuda.global.cudnn.cudnnCreateFilterDescriptor;
import static org.bytedeco.cuda.global.cudnn.cudnnCreateTensorDescriptor;
import static org.bytedeco.cuda.global.cudnn.cudnnDestroyConvolutionDescriptor;
import static org.bytedeco.cuda.global.cudnn.cudnnDestroyFilterDescriptor;
import static org.bytedeco.cuda.global.cudnn.cudnnDestroyTensorDescriptor;
import static org.bytedeco.cuda.global.cudnn.cudnnFindConvolutionBackwardDataAlgorithm;
import static org.bytedeco.cuda.global.cudnn.cudnnFindConvolutionBackwardFilterAlgorithm;
import static org.bytedeco.cuda.global.cudnn.cudnnFindConvolutionForwardAlgorithm;
import static org.bytedeco.cuda.global.cudnn.cudnnSetConvolution2dDescriptor;
import static org.bytedeco.cuda.global.cudnn.cudnnSetConvolutionMathType;
import static org.bytedeco.cuda.global.cudnn.cudnnSetFilter4dDescriptor;
import static org.bytedeco.cuda.global.cudnn.cudnnSetTensor4dDescriptor;

import org.bytedeco.cuda.cudnn.cudnnConvolutionBwdDataAlgoPerf_t;
import org.bytedeco.cuda.cudnn.cudnnConvolutionBwdFilterAlgoPerf_t;
import org.bytedeco.cuda.cudnn.cudnnConvolutionFwdAlgoPerf_t;
import org.bytedeco.cuda.cudnn.cudnnConvolutionStruct;
import org.bytedeco.cuda.cudnn.cudnnFilterStruct;
import org.bytedeco.cuda.cudnn.cudnnTensorStruct;
import org.bytedeco.javacpp.FloatPointer;

/**
 * One convolution shape on one device, planned once: its cuDNN descriptors and, for forward,
 * backward-data and backward-filter, the fastest algorithm cuDNN's own timing finds
 * ({@code cudnnFind*Algorithm}, as PyTorch's {@code cudnn.benchmark}) among those the {@link Precision}
 * allows: FMA kernels only for {@code FP32}, TF32 tensor cores allowed for {@code TF32}, bfloat16 data with
 * float32 accumulation (the descriptor's compute type) for {@code BF16}. Each direction has
 * its own descriptor set to its algorithm's math type. Calls run on the device's stream with its shared
 * workspace. Keeps the descriptors until {@link #close}.
 */
public final class Convolution implements AutoCloseable {

    private static final int CANDIDATES = 16;

    private final GpuDevice device;
    private final ConvShape shape;
    private final cudnnTensorStruct x = new cudnnTensorStruct();
    private final cudnnTensorStruct y = new cudnnTensorStruct();
    private final cudnnFilterStruct w = new cudnnFilterStruct();
    private final cudnnConvolutionStruct forward;
    private final cudnnConvolutionStruct backwardData;
    private final cudnnConvolutionStruct backwardFilter;
    private final int forwardAlgo;
    private final long forwardBytes;
    private final int backwardDataAlgo;
    private final long backwardDataBytes;
    private final int backwardFilterAlgo;
    private final long backwardFilterBytes;
    private final FloatPointer one = new FloatPointer(1f);
    private final FloatPointer zero = new FloatPointer(0f);

    public Convolution(GpuDevice device, ConvShape shape, Precision precision) {
        this.device = device;
        this.shape = shape;
        CudaCalls.cudnn(cudnnCreateTensorDescriptor(x), "cudnnCreateTensorDescriptor");
        CudaCalls.cudnn(cudnnCreateTensorDescriptor(y), "cudnnCreateTensorDescriptor");
        CudaCalls.cudnn(cudnnCreateFilterDescriptor(w), "cudnnCreateFilterDescriptor");
        int type = Precision.cudnnType(precision.activations());
        CudaCalls.cudnn(cudnnSetTensor4dDescriptor(x, CUDNN_TENSOR_NCHW, type, shape.n(), shape.c(), shape.h(), shape.w()),
                "cudnnSetTensor4dDescriptor(input " + shape + ")");
        CudaCalls.cudnn(cudnnSetTensor4dDescriptor(y, CUDNN_TENSOR_NCHW, type, shape.n(), shape.k(), shape.outH(),
                shape.outW()), "cudnnSetTensor4dDescriptor(output " + shape + ")");
        CudaCalls.cudnn(cudnnSetFilter4dDescriptor(w, type, CUDNN_TENSOR_NCHW, shape.k(), shape.c(), shape.r(), shape.s()),
                "cudnnSetFilter4dDescriptor(" + shape + ")");
        this.forward = descriptor(precision);
        this.backwardData = descriptor(precision);
        this.backwardFilter = descriptor(precision);

        cudnnConvolutionFwdAlgoPerf_t fwd = new cudnnConvolutionFwdAlgoPerf_t(CANDIDATES);
        int[] found = new int[1];
        CudaCalls.cudnn(cudnnFindConvolutionForwardAlgorithm(device.cudnn(), x, w, forward, y, CANDIDATES, found, fwd),
                "cudnnFindConvolutionForwardAlgorithm(" + shape + ")");
        int f = pick(found[0], i -> fwd.position(i).status(), i -> fwd.position(i).mathType(), precision, "forward");
        this.forwardAlgo = fwd.position(f).algo();
        this.forwardBytes = fwd.position(f).memory();
        setMath(forward, fwd.position(f).mathType(), precision);

        cudnnConvolutionBwdDataAlgoPerf_t bwdData = new cudnnConvolutionBwdDataAlgoPerf_t(CANDIDATES);
        CudaCalls.cudnn(cudnnFindConvolutionBackwardDataAlgorithm(device.cudnn(), w, y, backwardData, x, CANDIDATES, found, bwdData),
                "cudnnFindConvolutionBackwardDataAlgorithm(" + shape + ")");
        int d = pick(found[0], i -> bwdData.position(i).status(), i -> bwdData.position(i).mathType(), precision, "backward-data");
        this.backwardDataAlgo = bwdData.position(d).algo();
        this.backwardDataBytes = bwdData.position(d).memory();
        setMath(backwardData, bwdData.position(d).mathType(), precision);

        cudnnConvolutionBwdFilterAlgoPerf_t bwdFilter = new cudnnConvolutionBwdFilterAlgoPerf_t(CANDIDATES);
        CudaCalls.cudnn(cudnnFindConvolutionBackwardFilterAlgorithm(device.cudnn(), x, y, backwardFilter, w, CANDIDATES, found,
                bwdFilter), "cudnnFindConvolutionBackwardFilterAlgorithm(" + shape + ")");
        int g = pick(found[0], i -> bwdFilter.position(i).status(), i -> bwdFilter.position(i).mathType(), precision,
                "backward-filter");
        this.backwardFilterAlgo = bwdFilter.position(g).algo();
        this.backwardFilterBytes = bwdFilter.position(g).memory();
        setMath(backwardFilter, bwdFilter.position(g).mathType(), precision);
    }

    private cudnnConvolutionStruct descriptor(Precision precision) {
        cudnnConvolutionStruct conv = new cudnnConvolutionStruct();
        CudaCalls.cudnn(cudnnCreateConvolutionDescriptor(conv), "cudnnCreateConvolutionDescriptor");
        CudaCalls.cudnn(cudnnSetConvolution2dDescriptor(conv, shape.pad(), shape.pad(), shape.stride(), shape.stride(), 1, 1,
                CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT), "cudnnSetConvolution2dDescriptor(" + shape + ")");
        CudaCalls.cudnn(cudnnSetConvolutionMathType(conv, precision.convolutionMath), "cudnnSetConvolutionMathType");
        return conv;
    }

    private static void setMath(cudnnConvolutionStruct conv, int found, Precision precision) {
        CudaCalls.cudnn(cudnnSetConvolutionMathType(conv, precision == Precision.FP32 ? CUDNN_FMA_MATH : found),
                "cudnnSetConvolutionMathType");
    }

    /** The first (fastest) result that ran and that the precision allows. */
    private int pick(int count, java.util.function.IntUnaryOperator status, java.util.function.IntUnaryOperator math,
                     Precision precision, String direction) {
        for (int i = 0; i < count; i++) {
            if (status.applyAsInt(i) == CUDNN_STATUS_SUCCESS && (precision != Precision.FP32 || math.applyAsInt(i) == CUDNN_FMA_MATH)) {
                return i;
            }
        }
        throw new GpuException("cuDNN found no " + direction + " algorithm for " + shape + " at " + precision);
    }

    public ConvShape shape() {
        return shape;
    }

    /** The workspace bytes the largest of the three chosen algorithms needs. */
    public long workspaceBytes() {
        return Math.max(forwardBytes, Math.max(backwardDataBytes, backwardFilterBytes));
    }

    /** The algorithms chosen, {forward, backward-data, backward-filter}, as cuDNN numbers them. */
    public int[] algorithms() {
        return new int[] {forwardAlgo, backwardDataAlgo, backwardFilterAlgo};
    }

    /** {@code output = conv(input, weights)}. */
    public void forward(DeviceArray input, DeviceArray weights, DeviceArray output) {
        CudaCalls.cudnn(cudnnConvolutionForward(device.cudnn(), one, x, input.address(), w, weights.address(), forward, forwardAlgo,
                device.workspace(forwardBytes), forwardBytes, zero, y, output.address()), "cudnnConvolutionForward(" + shape + ")");
    }

    /** {@code dInput = dOutput conv-transposed with weights}, added to what it holds when {@code accumulate}. */
    public void backwardData(DeviceArray weights, DeviceArray dOutput, DeviceArray dInput, boolean accumulate) {
        CudaCalls.cudnn(cudnnConvolutionBackwardData(device.cudnn(), one, w, weights.address(), y, dOutput.address(), backwardData,
                backwardDataAlgo, device.workspace(backwardDataBytes), backwardDataBytes, accumulate ? one : zero, x,
                dInput.address()), "cudnnConvolutionBackwardData(" + shape + ")");
    }

    /** The weights' gradient (a sum over the batch) into {@code dWeights}. */
    public void backwardFilter(DeviceArray input, DeviceArray dOutput, DeviceArray dWeights) {
        CudaCalls.cudnn(cudnnConvolutionBackwardFilter(device.cudnn(), one, x, input.address(), y, dOutput.address(), backwardFilter,
                backwardFilterAlgo, device.workspace(backwardFilterBytes), backwardFilterBytes, zero, w, dWeights.address()),
                "cudnnConvolutionBackwardFilter(" + shape + ")");
    }

    @Override
    public void close() {
        cudnnDestroyTensorDescriptor(x);
        cudnnDestroyTensorDescriptor(y);
        cudnnDestroyFilterDescriptor(w);
        cudnnDestroyConvolutionDescriptor(forward);
        cudnnDestroyConvolutionDescriptor(backwardData);
        cudnnDestroyConvolutionDescriptor(backwardFilter);
    }
}
