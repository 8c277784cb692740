package io.flinkddp.model.gpu;

/**
 * A run of float32 memory where {@link GpuOps} compute: GPU memory ({@link DeviceArray}) or, for the
 * reference implementation on the CPU, a Java array ({@link HostOps}).
 */
public interface GpuBuffer {

    /** Floats in this buffer. */
    long floats();

    /** {@code count} floats from {@code offset} on, sharing this buffer's memory (valid while it is). */
    GpuBuffer slice(long offset, long count);
}
