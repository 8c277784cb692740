package io.flinkddp.model.gpu;

import static org.bytedeco.cuda.global.cublas.CUBLAS_COMPUTE_32F;
import static org.bytedeco.cuda.global.cublas.CUBLAS_GEMM_DEFAULT;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_N;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_T;
import static org.bytedeco.cuda.global.cublas.cublasGemmEx;
import static org.bytedeco.cuda.global.cublas.cublasSgemm_v2;
import static org.bytedeco.cuda.global.cudart.CUDA_R_16BF;

import org.bytedeco.javacpp.FloatPointer;

/**
 * The fully connected classifier on cuBLAS in float32 (no TF32, as PyTorch's default for matmuls), or on
 * bfloat16 operands with float32 accumulation:
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
        gemm(CUBLAS_OP_T, CUBLAS_OP_N, k, n, d, weights, d, x, d, y, k, "classifier forward");
        kernels.addBias(y, bias, n, k);
    }

    /**
     * {@code C = op(A) op(B)} (column-major, as cuBLAS counts): float32 GEMM, or for bfloat16 operands a bfloat16
     * GEMM with float32 accumulation and a bfloat16 result (as PyTorch's autocast linear).
     */
    private void gemm(int opA, int opB, int m, int n, int k, DeviceArray a, int lda, DeviceArray b, int ldb, DeviceArray c, int ldc,
                      String what) {
        if (c.element() == Element.F32) {
            CudaCalls.cublas(cublasSgemm_v2(device.cublas(), opA, opB, m, n, k, one, a.floats(0), lda, b.floats(0), ldb, zero,
                    c.floats(0), ldc), "cublasSgemm (" + what + ")");
        } else {
            CudaCalls.cublas(cublasGemmEx(device.cublas(), opA, opB, m, n, k, one, a.address(), CUDA_R_16BF, lda, b.address(),
                    CUDA_R_16BF, ldb, zero, c.address(), CUDA_R_16BF, ldc, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
                    "cublasGemmEx bf16 (" + what + ")");
        }
    }

    /** {@code dx = dy W}, {@code dW = dy^T x}, {@code db = column sums of dy}; {@code dx} may be null (not wanted). */
    public void backward(DeviceArray x, DeviceArray weights, DeviceArray dy, DeviceArray dx, DeviceArray dWeights, DeviceArray dBias,
                         int n, int d, int k) {
        if (dx != null) {
            gemm(CUBLAS_OP_N, CUBLAS_OP_N, d, n, k, weights, d, dy, k, dx, d, "classifier input gradient");
        }
        gemm(CUBLAS_OP_N, CUBLAS_OP_T, d, k, n, x, d, dy, k, dWeights, d, "classifier weight gradient");
        kernels.columnSums(dy, dBias, n, k);
    }
}
