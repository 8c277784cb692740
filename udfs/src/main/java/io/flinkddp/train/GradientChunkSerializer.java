package io.flinkddp.train;

import io.flinkddp.config.WirePrecision;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import sun.misc.Unsafe;

/**
 * Flink serializer of {@link GradientChunk}: the index, the length, one byte of payload (high nibble)
 * and wire precision (low nibble), then the
 * values as one block of little-endian bytes (fp32: 4 per value, converted by one bulk memory copy
 * rather than one {@code writeFloat} call per entry as Flink's POJO serializer does; bf16: 2 per value,
 * rounded to nearest even). No boxing, no Kryo. Each instance keeps a scratch byte array, so {@link #duplicate} gives every thread its own.
 * Deserializing always returns a new chunk with a new array: chunks are never mutated once emitted.
 */
public final class GradientChunkSerializer extends TypeSerializer<GradientChunk> {

    private static final long serialVersionUID = 1L;
    private static final WirePrecision[] WIRE = WirePrecision.values();
    private static final Unsafe UNSAFE = littleEndianUnsafe();

    private transient byte[] scratch;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public TypeSerializer<GradientChunk> duplicate() {
        return new GradientChunkSerializer();
    }

    @Override
    public GradientChunk createInstance() {
        return new GradientChunk();
    }

    @Override
    public GradientChunk copy(GradientChunk from) {
        return from.withValues(from.values.clone());
    }

    @Override
    public GradientChunk copy(GradientChunk from, GradientChunk reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(GradientChunk chunk, DataOutputView target) throws IOException {
        float[] values = chunk.values;
        int bytes = values.length * chunk.wire.bytesPerValue();
        target.writeInt(chunk.index);
        target.writeInt(values.length);
        target.writeByte(chunk.payload.ordinal() << 4 | chunk.wire.ordinal());
        byte[] block = scratch(bytes);
        if (chunk.wire == WirePrecision.FP32) {
            floatsToBytes(values, block);
        } else {
            for (int i = 0; i < values.length; i++) {
                int half = toBf16(values[i]);
                block[2 * i] = (byte) half;
                block[2 * i + 1] = (byte) (half >>> 8);
            }
        }
        target.write(block, 0, bytes);
    }

    @Override
    public GradientChunk deserialize(DataInputView source) throws IOException {
        int index = source.readInt();
        int length = source.readInt();
        int kind = source.readByte();
        Payload payload = Payload.of(kind >>> 4);
        WirePrecision wire = WIRE[kind & 0xf];
        int bytes = length * wire.bytesPerValue();
        byte[] block = scratch(bytes);
        source.readFully(block, 0, bytes);
        float[] values = new float[length];
        if (wire == WirePrecision.FP32) {
            bytesToFloats(block, values);
        } else {
            for (int i = 0; i < length; i++) {
                values[i] = fromBf16((block[2 * i] & 0xff) | (block[2 * i + 1] & 0xff) << 8);
            }
        }
        return new GradientChunk(payload, index, values, wire);
    }

    @Override
    public GradientChunk deserialize(GradientChunk reuse, DataInputView source) throws IOException {
        return deserialize(source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        int index = source.readInt();
        int length = source.readInt();
        byte kind = source.readByte();
        target.writeInt(index);
        target.writeInt(length);
        target.writeByte(kind);
        target.write(source, length * WIRE[kind & 0xf].bytesPerValue());
    }

    /** Little-endian bytes of {@code values}: one memory copy where the platform is little-endian. */
    static void floatsToBytes(float[] values, byte[] bytes) {
        if (UNSAFE != null) {
            UNSAFE.copyMemory(values, Unsafe.ARRAY_FLOAT_BASE_OFFSET, bytes, Unsafe.ARRAY_BYTE_BASE_OFFSET, (long) values.length * Float.BYTES);
        } else {
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(values);
        }
    }

    static void bytesToFloats(byte[] bytes, float[] values) {
        if (UNSAFE != null) {
            UNSAFE.copyMemory(bytes, Unsafe.ARRAY_BYTE_BASE_OFFSET, values, Unsafe.ARRAY_FLOAT_BASE_OFFSET, (long) values.length * Float.BYTES);
        } else {
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        }
    }

    /** Unsafe's bulk copy between arrays (as Flink's MemorySegment uses), on little-endian platforms only. */
    private static Unsafe littleEndianUnsafe() {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            return null;
        }
        try {
            Field field = Unsafe.class.getDeclaredField("theUnsafe");
            field.setAccessible(true);
            return (Unsafe) field.get(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** The bf16 bits of {@code value}: its upper 16 bits, rounded to nearest even (NaN stays NaN). */
    static int toBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (bits >>> 16) | 0x40;
        }
        return (bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16;
    }

    static float fromBf16(int half) {
        return Float.intBitsToFloat(half << 16);
    }

    private byte[] scratch(int bytes) {
        if (scratch == null || scratch.length < bytes) {
            scratch = new byte[bytes];
        }
        return scratch;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof GradientChunkSerializer;
    }

    @Override
    public int hashCode() {
        return GradientChunkSerializer.class.hashCode();
    }

    @Override
    public TypeSerializerSnapshot<GradientChunk> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Stateless snapshot: the format has no parameters. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<GradientChunk> {
        public Snapshot() {
            super(GradientChunkSerializer::new);
        }
    }
}
