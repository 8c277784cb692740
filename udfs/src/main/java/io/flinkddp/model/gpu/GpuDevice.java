package io.flinkddp.model.gpu;

import static org.bytedeco.cuda.global.cublas.CUBLAS_DEFAULT_MATH;
import static org.bytedeco.cuda.global.cublas.cublasCreate_v2;
import static org.bytedeco.cuda.global.cublas.cublasDestroy_v2;
import static org.bytedeco.cuda.global.cublas.cublasSetMathMode;
import static org.bytedeco.cuda.global.cublas.cublasSetStream_v2;
import static org.bytedeco.cuda.global.cudart.cudaDeviceGetAttribute;
import static org.bytedeco.cuda.global.cudart.cudaDevAttrComputeCapabilityMajor;
import static org.bytedeco.cuda.global.cudart.cudaDevAttrComputeCapabilityMinor;
import static org.bytedeco.cuda.global.cudart.cudaFree;
import static org.bytedeco.cuda.global.cudart.cudaMalloc;
import static org.bytedeco.cuda.global.cudart.cudaMemGetInfo;
import static org.bytedeco.cuda.global.cudart.cudaSetDevice;
import static org.bytedeco.cuda.global.cudart.cudaStreamCreateWithFlags;
import static org.bytedeco.cuda.global.cudart.cudaStreamDestroy;
import static org.bytedeco.cuda.global.cudart.cudaStreamNonBlocking;
import static org.bytedeco.cuda.global.cudart.cudaStreamSynchronize;
import static org.bytedeco.cuda.global.cudnn.cudnnCreate;
import static org.bytedeco.cuda.global.cudnn.cudnnDestroy;
import static org.bytedeco.cuda.global.cudnn.cudnnSetStream;

import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.cudnn.cudnnContext;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * One GPU as an engine uses it: the device made current for the calling thread, one non-blocking stream
 * every call is queued on, a cuDNN and a cuBLAS handle bound to that stream, one cuDNN workspace grown to the
 * largest need, and an account of the memory it allocated (now and at the peak). Closing it frees the
 * workspace, the handles and the stream; the arrays it handed out must be closed first.
 */
public final class GpuDevice implements AutoCloseable {

    private final int index;
    private final CUstream_st stream = new CUstream_st();
    private final cudnnContext cudnn = new cudnnContext();
    private final cublasContext cublas = new cublasContext();
    private final int major;
    private final int minor;
    private DeviceArray workspace;
    private long workspaceMoves;
    private long allocatedBytes;
    private long peakBytes;
    private boolean closed;

    public GpuDevice(int index) {
        this.index = index;
        CudaCalls.cuda(cudaSetDevice(index), "cudaSetDevice(" + index + ")");
        CudaCalls.cuda(cudaFree(null), "cudaFree(0) (creating the context)");
        int[] value = new int[1];
        CudaCalls.cuda(cudaDeviceGetAttribute(value, cudaDevAttrComputeCapabilityMajor, index), "cudaDeviceGetAttribute");
        this.major = value[0];
        CudaCalls.cuda(cudaDeviceGetAttribute(value, cudaDevAttrComputeCapabilityMinor, index), "cudaDeviceGetAttribute");
        this.minor = value[0];
        CudaCalls.cuda(cudaStreamCreateWithFlags(stream, cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
        CudaCalls.cudnn(cudnnCreate(cudnn), "cudnnCreate");
        CudaCalls.cudnn(cudnnSetStream(cudnn, stream), "cudnnSetStream");
        CudaCalls.cublas(cublasCreate_v2(cublas), "cublasCreate");
        CudaCalls.cublas(cublasSetStream_v2(cublas, stream), "cublasSetStream");
        CudaCalls.cublas(cublasSetMathMode(cublas, CUBLAS_DEFAULT_MATH), "cublasSetMathMode"); // float32 GEMMs, no TF32
    }

    public int index() {
        return index;
    }

    /** The compute capability as NVRTC's architecture option wants it, e.g. {@code sm_90}. */
    public String architecture() {
        return "sm_" + major + minor;
    }

    CUstream_st stream() {
        return stream;
    }

    cudnnContext cudnn() {
        return cudnn;
    }

    cublasContext cublas() {
        return cublas;
    }

    /** {@code bytes} of uninitialised GPU memory. */
    public DeviceArray allocate(long bytes) {
        Pointer p = new Pointer();
        CudaCalls.cuda(cudaMalloc(p, Math.max(bytes, 1)), "cudaMalloc(" + bytes + " bytes; " + allocatedBytes + " held, "
                + freeBytes() + " free on the device)");
        allocatedBytes += bytes;
        peakBytes = Math.max(peakBytes, allocatedBytes);
        return new DeviceArray(this, p, bytes);
    }

    public DeviceArray floats(long count) {
        return allocate(4 * count);
    }

    void released(long bytes) {
        allocatedBytes -= bytes;
    }

    /** The cuDNN workspace, at least {@code bytes} long; it grows (and its old memory goes) when a call needs more. */
    Pointer workspace(long bytes) {
        if (workspace == null || workspace.bytes() < bytes) {
            if (workspace != null) {
                synchronize();
                workspace.close();
            }
            workspace = allocate(bytes);
            workspaceMoves++;
        }
        return workspace.address();
    }

    /** How often the cuDNN workspace has been (re)allocated: a captured step that used it is stale after a move. */
    long workspaceMoves() {
        return workspaceMoves;
    }

    /** Waits for everything queued on the stream. */
    public void synchronize() {
        CudaCalls.cuda(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
    }

    public long allocatedBytes() {
        return allocatedBytes;
    }

    public long peakBytes() {
        return peakBytes;
    }

    /** Free memory on the device as the driver reports it. */
    public long freeBytes() {
        try (SizeTPointer free = new SizeTPointer(1); SizeTPointer total = new SizeTPointer(1)) {
            return cudaMemGetInfo(free, total) == 0 ? free.get() : -1;
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            synchronize();
        } finally {
            if (workspace != null) {
                workspace.close();
            }
            cudnnDestroy(cudnn);
            cublasDestroy_v2(cublas);
            cudaStreamDestroy(stream);
        }
    }
}
