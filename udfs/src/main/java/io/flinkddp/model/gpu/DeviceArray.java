package io.flinkddp.model.gpu;

import static org.bytedeco.cuda.global.cudart.cudaFree;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyAsync;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyDeviceToHost;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyHostToDevice;
import static org.bytedeco.cuda.global.cudart.cudaMemsetAsync;
import static org.bytedeco.cuda.global.cudart.cudaStreamSynchronize;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * One allocation of GPU memory on a {@link GpuDevice}, in bytes, with copies to and from host arrays on the
 * device's stream (a download waits for the stream). Freed by {@link #close}: CUDA memory is not garbage
 * collected.
 */
public final class DeviceArray implements AutoCloseable, GpuBuffer {

    private final GpuDevice device;
    private final long bytes;
    /** False for a {@link #slice}: it borrows its parent's memory and frees nothing. */
    private final boolean owner;
    private final Element element;
    private Pointer address;

    DeviceArray(GpuDevice device, Pointer address, long bytes) {
        this(device, address, bytes, true, Element.F32);
    }

    private DeviceArray(GpuDevice device, Pointer address, long bytes, boolean owner, Element element) {
        this.device = device;
        this.address = address;
        this.bytes = bytes;
        this.owner = owner;
        this.element = element;
    }

    /** {@code count} elements from element {@code offset} on, as an array that borrows this one's memory (valid while it is). */
    public DeviceArray slice(long offset, long count) {
        int size = element.bytes;
        if (offset < 0 || count < 0 || size * (offset + count) > bytes) {
            throw new IndexOutOfBoundsException(element + " elements [" + offset + ", " + (offset + count) + ") outside " + elements());
        }
        return new DeviceArray(device, at(size * offset), size * count, false, element);
    }

    /** This memory seen as elements of {@code kind} (borrowed, as a slice is). */
    public DeviceArray as(Element kind) {
        return new DeviceArray(device, address(), bytes, false, kind);
    }

    @Override
    public Element element() {
        return element;
    }

    @Override
    public long elements() {
        return bytes / element.bytes;
    }

    /** The device address, for cuDNN, cuBLAS and kernel arguments. */
    public Pointer address() {
        if (address == null) {
            throw new IllegalStateException("device array used after close");
        }
        return address;
    }

    /** The device address {@code offsetFloats} floats in, typed for cuBLAS. */
    public FloatPointer floats(long offsetFloats) {
        return new FloatPointer(at(4 * offsetFloats));
    }

    /** The device address {@code offsetBytes} in, for cuDNN's untyped pointers. */
    public Pointer at(long offsetBytes) {
        if (offsetBytes < 0 || offsetBytes > bytes) {
            throw new IndexOutOfBoundsException("offset " + offsetBytes + " outside " + bytes + " bytes");
        }
        return new NativeAddress(address().address() + offsetBytes);
    }

    public long bytes() {
        return bytes;
    }

    public long floats() {
        return bytes / 4;
    }

    public DeviceArray upload(float[] values) {
        return upload(new FloatPointer(values), 4L * values.length);
    }

    public DeviceArray upload(int[] values) {
        return upload(new IntPointer(values), 4L * values.length);
    }

    public DeviceArray upload(byte[] values) {
        return upload(new BytePointer(values), values.length);
    }

    private DeviceArray upload(Pointer host, long length) {
        if (length > bytes) {
            throw new IllegalArgumentException("uploading " + length + " bytes into " + bytes);
        }
        CudaCalls.cuda(cudaMemcpyAsync(address(), host, length, cudaMemcpyHostToDevice, device.stream()), "cudaMemcpyAsync (upload)");
        CudaCalls.cuda(cudaStreamSynchronize(device.stream()), "cudaStreamSynchronize"); // the pageable source may go
        return this;
    }

    /** The first {@code values.length} floats, once the stream's work so far is done. */
    public float[] download(float[] values) {
        try (FloatPointer host = new FloatPointer(values.length)) {
            CudaCalls.cuda(cudaMemcpyAsync(host, address(), 4L * values.length, cudaMemcpyDeviceToHost, device.stream()),
                    "cudaMemcpyAsync (download)");
            CudaCalls.cuda(cudaStreamSynchronize(device.stream()), "cudaStreamSynchronize");
            host.get(values);
        }
        return values;
    }

    /** The first {@code count} doubles (the per-image losses), once the stream's work so far is done. */
    public double[] downloadDoubles(int count) {
        try (org.bytedeco.javacpp.DoublePointer host = new org.bytedeco.javacpp.DoublePointer(count)) {
            CudaCalls.cuda(cudaMemcpyAsync(host, address(), 8L * count, cudaMemcpyDeviceToHost, device.stream()),
                    "cudaMemcpyAsync (download)");
            CudaCalls.cuda(cudaStreamSynchronize(device.stream()), "cudaStreamSynchronize");
            double[] values = new double[count];
            host.get(values);
            return values;
        }
    }

    public float[] download() {
        return download(new float[(int) floats()]);
    }

    public DeviceArray zero() {
        CudaCalls.cuda(cudaMemsetAsync(address(), 0, bytes, device.stream()), "cudaMemsetAsync");
        return this;
    }

    @Override
    public void close() {
        if (address != null && owner) {
            CudaCalls.cuda(cudaFree(address), "cudaFree");
            device.released(bytes);
        }
        address = null;
    }
}
