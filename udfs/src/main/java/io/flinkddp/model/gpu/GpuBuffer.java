package io.flinkddp.model.gpu;

/**
 * A run of GPU memory where {@link GpuOps} compute ({@link DeviceArray}) or, for the reference implementation
 * on the CPU, a Java array ({@link HostOps}), of float32 or bfloat16 {@link Element}s.
 */
public interface GpuBuffer {

    /** Elements in this buffer. */
    long elements();

    /** {@code count} elements from element {@code offset} on, sharing this buffer's memory (valid while it is). */
    GpuBuffer slice(long offset, long count);

    /** What each element is. */
    default Element element() {
        return Element.F32;
    }
}
