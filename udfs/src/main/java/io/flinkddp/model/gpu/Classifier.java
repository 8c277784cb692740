package io.flinkddp.model.gpu;

import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_N;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_T;
import static org.bytedeco.cuda.global.cublas.cublasSgemm_v2;

import org.bytedeco.javacpp.FloatPointer;

/**
 * The fully connected classifier on cuBLAS in float32 (no TF32, as PyTorch's default for matmuls):
 * {@code y[n, k] = x[n, d] W[k, d]^T + b}, all row-major, and its backward. cuBLAS is column-major, so each
 * product is written for the transposes.
 */
public final class Classifier {

    private final GpuDevice device;
    private final GpuKernels kernels;
    private final FloatPointer one = new FloatPointer(1f);
    private final FloatPointer zero = new FloatPointer(0f);

    public Classifier(GpuDevice device, GpuKernels kernels) {
        this.device = device;
        this.kernels = kernels;
    }

    public void forward(DeviceArray x, DeviceArray weights, DeviceArray bias, DeviceArray y, int n, int d, int k) {
        CudaCalls.cublas(cublasSgemm_v2(device.cublas(), CUBLAS_OP_T, CUBLAS_OP_N, k, n, d, one, weights.floats(0), d, x.floats(0), d,
                zero, y.floats(0), k), "cublasSgemm (classifier forward)");
        kernels.addBias(y, bias, n, k);
    }

    /** {@code dx = dy W}, {@code dW = dy^T x}, {@code db = column sums of dy}; {@code dx} may be null (not wanted). */
    public void backward(DeviceArray x, DeviceArray weights, DeviceArray dy, DeviceArray dx, DeviceArray dWeights, DeviceArray dBias,
                         int n, int d, int k) {
        if (dx != null) {
            CudaCalls.cublas(cublasSgemm_v2(device.cublas(), CUBLAS_OP_N, CUBLAS_OP_N, d, n, k, one, weights.floats(0), d, dy.floats(0), k,
                    zero, dx.floats(0), d), "cublasSgemm (classifier input gradient)");
        }
        CudaCalls.cublas(cublasSgemm_v2(device.cublas(), CUBLAS_OP_N, CUBLAS_OP_T, d, k, n, one, x.floats(0), d, dy.floats(0), k, zero,
                dWeights.floats(0), d), "cublasSgemm (classifier weight gradient)");
        kernels.columnSums(dy, dBias, n, k);
    }
}
