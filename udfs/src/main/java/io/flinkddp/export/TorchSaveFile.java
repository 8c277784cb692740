package io.flinkddp.export;

import io.flinkddp.model.weights.TorchTensor;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import net.razorvine.pickle.IObjectDeconstructor;
import net.razorvine.pickle.Pickler;

/**
 * Writes a state_dict as {@code torch.save} does (PyTorch 1.6 and later, what
 * {@link io.flinkddp.model.weights.TorchStateDict} reads): a zip of stored (uncompressed) entries
 * {@code archive/data.pkl}, the pickle, {@code archive/data/<key>}, one raw little-endian storage per
 * tensor, {@code archive/version} (3) and {@code archive/byteorder} (little), each storage aligned to
 * 64 bytes in the file as PyTorch aligns them.
 *
 * <p>In: names to {@link TorchTensor}s in the order to write ({@code FloatStorage} tensors as float32,
 * {@code LongStorage} ones, such as {@code num_batches_tracked}, as int64). Out: the zip, on a stream
 * the caller closes. The pickle is Pyrolite's {@link Pickler} (protocol 2): the state_dict is a
 * {@code collections.OrderedDict([(name, tensor), ...])}, each tensor
 * {@code torch._utils._rebuild_tensor_v2(storage, 0, size, stride, False, OrderedDict())} and each
 * storage the persistent id {@code ('storage', torch.FloatStorage, key, 'cpu', numel)}, as torch.save
 * pickles them; the Python callables are Pyrolite deconstructors of small private Java stand-ins
 * (registered once in Pyrolite's JVM-wide table, for those classes only). The
 * state_dict's {@code _metadata} (module versions) is not written: {@code load_state_dict} takes the
 * current versions without it. Keeps nothing.
 */
public final class TorchSaveFile {

    static final String ARCHIVE = "archive/";
    private static final int ALIGNMENT = 64;
    /** The local-header extra field PyTorch pads with (its id, "FB"). */
    private static final byte[] PADDING_ID = {'F', 'B'};
    /** Within the DOS date range (whose first instant Java takes for "before 1980"), so that no timestamp extra field shifts the alignment. */
    private static final java.time.LocalDateTime FIXED_TIME = java.time.LocalDateTime.of(2000, 1, 1, 0, 0);

    static {
        Pickler.registerCustomDeconstructor(OrderedDict.class, new Global("collections", "OrderedDict", o -> new Object[] {((OrderedDict) o).items}));
        Pickler.registerCustomDeconstructor(Tensor.class, new Global("torch._utils", "_rebuild_tensor_v2", o -> ((Tensor) o).arguments()));
        Pickler.registerCustomDeconstructor(FloatStorage.class, new Global("torch", "FloatStorage", o -> new Object[0]));
        Pickler.registerCustomDeconstructor(LongStorage.class, new Global("torch", "LongStorage", o -> new Object[0]));
    }

    private TorchSaveFile() {
    }

    public static void write(Map<String, TorchTensor> entries, OutputStream target) throws IOException {
        List<Object[]> items = new ArrayList<>();
        Map<String, byte[]> storages = new LinkedHashMap<>();
        for (Map.Entry<String, TorchTensor> e : entries.entrySet()) {
            String key = String.valueOf(storages.size());
            TorchTensor tensor = e.getValue();
            storages.put(key, bytes(e.getKey(), tensor));
            Object type = tensor.storageType().equals("LongStorage") ? new LongStorage() : new FloatStorage();
            items.add(new Object[] {e.getKey(), new Tensor(new Storage(type, key, tensor.numel()), tensor.shape())});
        }
        byte[] pickle;
        try (StoragePickler pickler = new StoragePickler()) {
            pickle = pickler.dumps(new OrderedDict(items));
        }
        CountingStream counted = new CountingStream(target);
        ZipOutputStream zip = new ZipOutputStream(counted);
        put(zip, counted, "data.pkl", pickle);
        for (Map.Entry<String, byte[]> storage : storages.entrySet()) {
            put(zip, counted, "data/" + storage.getKey(), storage.getValue());
        }
        put(zip, counted, "version", "3\n".getBytes(StandardCharsets.US_ASCII));
        put(zip, counted, "byteorder", "little".getBytes(StandardCharsets.US_ASCII));
        zip.finish();
        zip.flush();
    }

    private static byte[] bytes(String name, TorchTensor tensor) {
        float[] values = tensor.values();
        boolean counter = tensor.storageType().equals("LongStorage");
        if (!counter && !tensor.storageType().equals("FloatStorage")) {
            throw new IllegalArgumentException(name + ": a " + tensor.storageType() + " tensor; only FloatStorage and LongStorage are written");
        }
        ByteBuffer buffer = ByteBuffer.allocate(values.length * (counter ? 8 : 4)).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            if (counter) {
                buffer.putLong((long) v);
            } else {
                buffer.putFloat(v);
            }
        }
        return buffer.array();
    }

    /** A stored entry whose data starts at a multiple of {@link #ALIGNMENT} bytes, padded through its local header's extra field. */
    private static void put(ZipOutputStream zip, CountingStream counted, String name, byte[] data) throws IOException {
        ZipEntry entry = new ZipEntry(ARCHIVE + name);
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(data.length);
        entry.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        entry.setCrc(crc.getValue());
        entry.setTimeLocal(FIXED_TIME);  // the same bytes for the same tensors
        int header = 30 + entry.getName().getBytes(StandardCharsets.UTF_8).length + 4;
        int padding = (int) ((ALIGNMENT - (counted.count + header) % ALIGNMENT) % ALIGNMENT);
        byte[] extra = new byte[4 + padding];
        extra[0] = PADDING_ID[0];
        extra[1] = PADDING_ID[1];
        extra[2] = (byte) padding;
        extra[3] = (byte) (padding >> 8);
        Arrays.fill(extra, 4, extra.length, (byte) 'Z');
        entry.setExtra(extra);
        zip.putNextEntry(entry);
        zip.write(data);
        zip.closeEntry();
    }

    /** Counts the bytes written through it: where the next zip entry's local header starts. */
    private static final class CountingStream extends FilterOutputStream {
        private long count;

        CountingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }

        @Override
        public void close() throws IOException {
            flush();  // the caller closes the target
        }
    }

    /** A pickled Python callable applied to the arguments its stand-in gives ({@link #deconstruct}). */
    private record Global(String module, String name, java.util.function.Function<Object, Object[]> arguments)
            implements IObjectDeconstructor {
        @Override
        public String getModule() {
            return module;
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public Object[] deconstruct(Object o) {
            return arguments.apply(o);
        }
    }

    /** {@code collections.OrderedDict(items)}: (name, tensor) pairs. */
    private record OrderedDict(List<Object[]> items) {
    }

    /** {@code torch.FloatStorage}, the class (pickled as a global alone, not called). */
    private static final class FloatStorage {
    }

    /** {@code torch.LongStorage}, the class. */
    private static final class LongStorage {
    }

    /** One storage: pickled as its persistent id only; its bytes are the zip entry {@code data/<key>}. */
    private record Storage(Object type, String key, long numel) {
    }

    /** A contiguous tensor over a whole storage. */
    private record Tensor(Storage storage, long[] shape) {
        Object[] arguments() {
            Object[] size = new Object[shape.length];
            Object[] stride = new Object[shape.length];
            long step = 1;
            for (int d = shape.length - 1; d >= 0; d--) {
                size[d] = shape[d];
                stride[d] = step;
                step *= shape[d];
            }
            return new Object[] {storage, 0L, size, stride, false, new OrderedDict(new ArrayList<>())};
        }
    }

    /** Pickles a {@link Storage} as torch's persistent id (BINPERSID), and memoizes by identity. */
    private static final class StoragePickler extends Pickler implements AutoCloseable {
        StoragePickler() {
            super(true, false);
        }

        @Override
        protected Object persistentId(Object obj) {
            return obj instanceof Storage s ? new Object[] {"storage", s.type, s.key, "cpu", s.numel} : null;
        }

        @Override
        public void close() {
            memo = null;  // dumps wrote to its own buffer; nothing else to close
        }
    }
}
