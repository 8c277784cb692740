package io.flinkddp.model.gpu;

import static org.bytedeco.cuda.global.cudnn.CUDNN_BATCHNORM_SPATIAL;
import static org.bytedeco.cuda.global.cudnn.CUDNN_DATA_FLOAT;
import static org.bytedeco.cuda.global.cudnn.CUDNN_TENSOR_NCHW;
import static org.bytedeco.cuda.global.cudnn.cudnnBatchNormalizationBackward;
import static org.bytedeco.cuda.global.cudnn.cudnnBatchNormalizationForwardInference;
import static org.bytedeco.cuda.global.cudnn.cudnnBatchNormalizationForwardTraining;
import static org.bytedeco.cuda.global.cudnn.cudnnCreateTensorDescriptor;
import static org.bytedeco.cuda.global.cudnn.cudnnDestroyTensorDescriptor;
import static org.bytedeco.cuda.global.cudnn.cudnnSetTensor4dDescriptor;

import org.bytedeco.cuda.cudnn.cudnnTensorStruct;
import org.bytedeco.javacpp.FloatPointer;

/**
 * Spatial batch normalisation of [n, c, h, w] float32 activations through cuDNN, as PyTorch runs it for
 * float32 NCHW ({@code cudnnBatchNormalizationForward/Backward} in {@code CUDNN_BATCHNORM_SPATIAL} mode):
 * training uses the batch's statistics and moves the running mean and (unbiased) variance by
 * {@code momentum}; inference uses the running statistics. The training forward saves the batch mean and
 * inverse standard deviation (c floats each) for the backward. Keeps only its descriptors.
 */
public final class BatchNorm implements AutoCloseable {

    private final GpuDevice device;
    private final int channels;
    private final cudnnTensorStruct data = new cudnnTensorStruct();
    private final cudnnTensorStruct parameters = new cudnnTensorStruct();
    private final FloatPointer one = new FloatPointer(1f);
    private final FloatPointer zero = new FloatPointer(0f);

    /** Batch norm over float32 data. */
    public BatchNorm(GpuDevice device, int n, int c, int h, int w) {
        this(device, n, c, h, w, Element.F32);
    }

    /** Batch norm over data of kind {@code data} (float32 or bfloat16); its parameters and statistics are float32. */
    public BatchNorm(GpuDevice device, int n, int c, int h, int w, Element dataKind) {
        this.device = device;
        this.channels = c;
        CudaCalls.cudnn(cudnnCreateTensorDescriptor(data), "cudnnCreateTensorDescriptor");
        CudaCalls.cudnn(cudnnCreateTensorDescriptor(parameters), "cudnnCreateTensorDescriptor");
        CudaCalls.cudnn(cudnnSetTensor4dDescriptor(data, CUDNN_TENSOR_NCHW, Precision.cudnnType(dataKind), n, c, h, w),
                "cudnnSetTensor4dDescriptor(batch norm " + n + "x" + c + "x" + h + "x" + w + ")");
        CudaCalls.cudnn(cudnnSetTensor4dDescriptor(parameters, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, c, 1, 1),
                "cudnnSetTensor4dDescriptor(batch norm parameters)");
    }

    public int channels() {
        return channels;
    }

    /**
     * {@code y = gamma (x - mean) / sqrt(var + eps) + beta} with the batch's mean and biased variance; the running
     * statistics move by {@code momentum} (PyTorch's meaning: {@code running = (1 - momentum) running + momentum batch},
     * the variance unbiased); {@code savedMean} and {@code savedInvStd} receive the batch's mean and 1/sqrt(var + eps).
     */
    public void forwardTraining(DeviceArray x, DeviceArray y, DeviceArray gamma, DeviceArray beta, DeviceArray runningMean,
                                DeviceArray runningVar, double momentum, double eps, DeviceArray savedMean, DeviceArray savedInvStd) {
        CudaCalls.cudnn(cudnnBatchNormalizationForwardTraining(device.cudnn(), CUDNN_BATCHNORM_SPATIAL, one, zero, data, x.address(),
                data, y.address(), parameters, gamma.address(), beta.address(), momentum, runningMean.address(),
                runningVar.address(), eps, savedMean.address(), savedInvStd.address()), "cudnnBatchNormalizationForwardTraining");
    }

    /** {@code y} from the running statistics (PyTorch's {@code eval()}). */
    public void forwardInference(DeviceArray x, DeviceArray y, DeviceArray gamma, DeviceArray beta, DeviceArray runningMean,
                                 DeviceArray runningVar, double eps) {
        CudaCalls.cudnn(cudnnBatchNormalizationForwardInference(device.cudnn(), CUDNN_BATCHNORM_SPATIAL, one, zero, data, x.address(),
                data, y.address(), parameters, gamma.address(), beta.address(), runningMean.address(), runningVar.address(), eps),
                "cudnnBatchNormalizationForwardInference");
    }

    /**
     * The training backward: {@code dx} (added to what it holds when {@code accumulate}), and the gradients of
     * gamma and beta (sums over the batch), from what {@link #forwardTraining} saved.
     */
    public void backward(DeviceArray x, DeviceArray dy, DeviceArray dx, boolean accumulate, DeviceArray gamma, DeviceArray dGamma,
                         DeviceArray dBeta, double eps, DeviceArray savedMean, DeviceArray savedInvStd) {
        CudaCalls.cudnn(cudnnBatchNormalizationBackward(device.cudnn(), CUDNN_BATCHNORM_SPATIAL, one, accumulate ? one : zero, one, zero,
                data, x.address(), data, dy.address(), data, dx.address(), parameters, gamma.address(), dGamma.address(),
                dBeta.address(), eps, savedMean.address(), savedInvStd.address()), "cudnnBatchNormalizationBackward");
    }

    @Override
    public void close() {
        cudnnDestroyTensorDescriptor(data);
        cudnnDestroyTensorDescriptor(parameters);
    }
}
