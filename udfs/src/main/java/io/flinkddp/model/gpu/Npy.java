package io.flinkddp.model.gpu;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy's {@code .npy} format (version 1.0 and 2.0 headers), for the GPU checks' inputs and outputs:
 * little-endian float32, float64, int64, int32 and uint8 arrays in C order are read (as float, long or byte
 * values), float32, int64 and uint8 arrays written (files to a temporary name, then renamed). Nothing else is
 * accepted; the error names the file and what it holds.
 */
public final class Npy {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern ORDER = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    /** An array as read: its shape, its dtype as NumPy writes it ({@code <f4}, {@code |u1}, ...), its raw little-endian data. */
    public record Array(long[] shape, String dtype, ByteBuffer data) {

        public long size() {
            return Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        }

        public float[] floats() {
            float[] out = new float[(int) size()];
            ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < out.length; i++) {
                out[i] = switch (dtype) {
                    case "<f4" -> b.getFloat();
                    case "<f8" -> (float) b.getDouble();
                    default -> throw new IllegalArgumentException("expected a float array, found dtype " + dtype);
                };
            }
            return out;
        }

        public long[] longs() {
            long[] out = new long[(int) size()];
            ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < out.length; i++) {
                out[i] = switch (dtype) {
                    case "<i8" -> b.getLong();
                    case "<i4" -> b.getInt();
                    default -> throw new IllegalArgumentException("expected an integer array, found dtype " + dtype);
                };
            }
            return out;
        }

        public int[] ints() {
            return Arrays.stream(longs()).mapToInt(Math::toIntExact).toArray();
        }

        public byte[] bytes() {
            if (!dtype.equals("|u1") && !dtype.equals("|i1")) {
                throw new IllegalArgumentException("expected a uint8 array, found dtype " + dtype);
            }
            byte[] out = new byte[(int) size()];
            data.duplicate().get(out);
            return out;
        }
    }

    private Npy() {
    }

    public static Array read(Path file) throws IOException {
        return parse(Files.readAllBytes(file), file.toString());
    }

    static Array parse(byte[] bytes, String name) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 10 || !Arrays.equals(Arrays.copyOf(bytes, 6), MAGIC)) {
            throw new IllegalArgumentException(name + " is not a .npy file (no \\x93NUMPY magic)");
        }
        int major = bytes[6];
        int headerLength = major == 1 ? Short.toUnsignedInt(b.getShort(8)) : b.getInt(8);
        int headerStart = major == 1 ? 10 : 12;
        String header = new String(bytes, headerStart, headerLength, StandardCharsets.ISO_8859_1);
        String dtype = group(DESCR, header, name, "descr");
        if (group(ORDER, header, name, "fortran_order").equals("True")) {
            throw new IllegalArgumentException(name + " is in Fortran order; write it with np.ascontiguousarray");
        }
        if (!dtype.matches("<f4|<f8|<i8|<i4|\\|u1|\\|i1")) {
            throw new IllegalArgumentException(name + " holds dtype " + dtype + ": only little-endian float32/64, int32/64 and uint8 are read");
        }
        String dims = group(SHAPE, header, name, "shape").trim();
        long[] shape = dims.isEmpty() ? new long[0]
                : Arrays.stream(dims.split(",")).map(String::trim).filter(s -> !s.isEmpty()).mapToLong(Long::parseLong).toArray();
        ByteBuffer data = ByteBuffer.wrap(bytes, headerStart + headerLength, bytes.length - headerStart - headerLength).slice();
        Array array = new Array(shape, dtype, data);
        long expected = array.size() * Integer.parseInt(dtype.substring(2));
        if (data.remaining() != expected) {
            throw new IllegalArgumentException(name + ": shape " + Arrays.toString(shape) + " of " + dtype + " needs " + expected
                    + " bytes of data, the file has " + data.remaining());
        }
        return array;
    }

    private static String group(Pattern pattern, String header, String name, String key) {
        Matcher m = pattern.matcher(header);
        if (!m.find()) {
            throw new IllegalArgumentException(name + ": the .npy header has no '" + key + "': " + header.trim());
        }
        return m.group(1);
    }

    /** Writes {@code values} as a float32 array of {@code shape}. */
    public static void write(Path file, float[] values, long... shape) throws IOException {
        write(file, encode(values, shape));
    }

    /** Writes a whole {@code .npy} file's bytes ({@link #encode}) to a temporary name, then renames it. */
    public static void write(Path file, byte[] npyFile) throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(temporary, npyFile);
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Writes equally long uint8 rows as one uint8 array of {@code shape} (its first dimension the row count), streamed
     * row by row, so that no copy of the whole array is made: to a temporary name, then renamed.
     */
    public static void writeUint8(Path file, List<byte[]> rows, long... shape) throws IOException {
        long count = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        long written = rows.stream().mapToLong(row -> row.length).sum();
        if (shape.length == 0 || shape[0] != rows.size() || written != count) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " does not hold " + rows.size() + " rows of "
                    + written + " bytes in all");
        }
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(temporary), 1 << 20)) {
            out.write(header("|u1", shape));
            for (byte[] row : rows) {
                out.write(row);
            }
        }
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The bytes of a float32 {@code .npy} file of {@code shape}. */
    public static byte[] encode(float[] values, long... shape) {
        ByteBuffer data = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        data.asFloatBuffer().put(values);
        return encode("<f4", values.length, data.array(), shape);
    }

    /** The bytes of an int64 {@code .npy} file of {@code shape}. */
    public static byte[] encode(long[] values, long... shape) {
        ByteBuffer data = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        data.asLongBuffer().put(values);
        return encode("<i8", values.length, data.array(), shape);
    }

    private static byte[] encode(String dtype, int count, byte[] data, long... shape) {
        if (Arrays.stream(shape).reduce(1, (a, b) -> a * b) != count) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " does not hold " + count + " values");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(header(dtype, shape));
        out.writeBytes(data);
        return out.toByteArray();
    }

    /** A version 1.0 header: the magic, the version, the length and the dictionary, padded to 64 bytes. */
    private static byte[] header(String dtype, long... shape) {
        StringBuilder dims = new StringBuilder();
        for (long d : shape) {
            dims.append(d).append(", ");
        }
        String tuple = shape.length == 1 ? "(" + shape[0] + ",)" : "(" + (dims.length() > 0 ? dims.substring(0, dims.length() - 2) : "") + ")";
        StringBuilder header = new StringBuilder("{'descr': '" + dtype + "', 'fortran_order': False, 'shape': " + tuple + ", }");
        while ((10 + header.length() + 1) % 64 != 0) {
            header.append(' ');
        }
        header.append('\n');
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(MAGIC);
        out.write(1);
        out.write(0);
        out.write(header.length() & 0xff);
        out.write(header.length() >> 8);
        out.writeBytes(header.toString().getBytes(StandardCharsets.ISO_8859_1));
        return out.toByteArray();
    }

    /** Writes {@code arrays} (name to {@code .npy} bytes) as an {@code .npz} file, as {@code np.savez}: to a temporary name, then renamed. */
    public static void writeNpz(Path file, java.util.Map<String, byte[]> arrays) throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(temporary))) {
            for (java.util.Map.Entry<String, byte[]> a : arrays.entrySet()) {
                zip.putNextEntry(new java.util.zip.ZipEntry(a.getKey() + ".npy"));
                zip.write(a.getValue());
                zip.closeEntry();
            }
        }
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
