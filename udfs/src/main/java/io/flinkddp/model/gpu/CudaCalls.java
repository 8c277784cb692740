package io.flinkddp.model.gpu;

import static org.bytedeco.cuda.global.cublas.CUBLAS_STATUS_SUCCESS;
import static org.bytedeco.cuda.global.cudart.CUDA_SUCCESS;
import static org.bytedeco.cuda.global.cudart.cudaGetErrorString;
import static org.bytedeco.cuda.global.cudnn.CUDNN_STATUS_SUCCESS;
import static org.bytedeco.cuda.global.cudnn.cudnnGetErrorString;
import static org.bytedeco.cuda.global.nvrtc.NVRTC_SUCCESS;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetErrorString;

/**
 * Turns the status codes of CUDA's runtime and driver, cuDNN, cuBLAS and NVRTC into exceptions that name
 * the call and the library's own words for the error.
 */
final class CudaCalls {

    private CudaCalls() {
    }

    static void cuda(int status, String call) {
        if (status != CUDA_SUCCESS) {
            throw new GpuException(call + " failed: CUDA error " + status + " (" + cudaGetErrorString(status).getString() + ")");
        }
    }

    /** The driver API's codes (cuLaunchKernel, cuModuleLoadData) share their numbers with the runtime's for the common errors. */
    static void driver(int status, String call) {
        if (status != 0) {
            throw new GpuException(call + " failed: CUDA driver error " + status);
        }
    }

    static void cudnn(int status, String call) {
        if (status != CUDNN_STATUS_SUCCESS) {
            throw new GpuException(call + " failed: cuDNN status " + status + " (" + cudnnGetErrorString(status).getString() + ")");
        }
    }

    static void cublas(int status, String call) {
        if (status != CUBLAS_STATUS_SUCCESS) {
            throw new GpuException(call + " failed: cuBLAS status " + status);
        }
    }

    static void nvrtc(int status, String call) {
        if (status != NVRTC_SUCCESS) {
            throw new GpuException(call + " failed: NVRTC " + nvrtcGetErrorString(status).getString());
        }
    }
}
