package io.flinkddp.model.gpu;

/** A CUDA, cuDNN, cuBLAS or NVRTC call failed; the message names the call and the library's error. */
public class GpuException extends RuntimeException {

    public GpuException(String message) {
        super(message);
    }
}
