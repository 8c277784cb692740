package io.flinkddp.model.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.Unpickler;
import org.apache.flink.core.fs.Path;

/**
 * Reads a PyTorch {@code state_dict} as {@code torch.save} writes it (PyTorch 1.6 and later: a zip of
 * {@code <prefix>/data.pkl}, a pickle, and raw little-endian storages {@code <prefix>/data/<key>}),
 * from any URI Flink's file systems read (a remote file through a local copy, {@link LocalCopy}), or from a stream.
 *
 * <p>In: the file. Out: its entries in the file's order, name to {@link TorchTensor} (shape, float32
 * values in c-order; storage offsets and strides applied, so views of one storage come out as PyTorch
 * shows them). Float32 tensors are read, and int64 ones (counters such as {@code num_batches_tracked})
 * as float; any other dtype, a file that is not such a zip, or a pickle that is not a flat map of
 * names to tensors stops with one line naming the file and the entry. The pickle is read by Pyrolite's
 * {@link Unpickler}; the torch classes it meets are registered as plain Java values, once, in Pyrolite's
 * constructor table (JVM-wide: other Pyrolite users would see them too). Keeps nothing else.
 */
public final class TorchStateDict {

    /** torch's storage classes: element bytes of the ones whose tensors can be read, 0 for the rest. */
    private static final Map<String, Integer> STORAGES = Map.ofEntries(
            Map.entry("FloatStorage", 4), Map.entry("LongStorage", 8), Map.entry("DoubleStorage", 0),
            Map.entry("HalfStorage", 0), Map.entry("BFloat16Storage", 0), Map.entry("IntStorage", 0),
            Map.entry("ShortStorage", 0), Map.entry("CharStorage", 0), Map.entry("ByteStorage", 0),
            Map.entry("BoolStorage", 0), Map.entry("ComplexFloatStorage", 0), Map.entry("ComplexDoubleStorage", 0));

    static {
        for (String storage : STORAGES.keySet()) {
            Unpickler.registerConstructor("torch", storage, new StorageClass(storage));
        }
        Unpickler.registerConstructor("collections", "OrderedDict", TorchStateDict::orderedDict);
        Unpickler.registerConstructor("torch._utils", "_rebuild_tensor_v2", TorchStateDict::rebuildTensor);
        Unpickler.registerConstructor("torch._utils", "_rebuild_parameter", args -> args[0]);
    }

    private TorchStateDict() {
    }

    /** Reads {@code path} through Flink's file system for its scheme ({@code file://}, {@code s3://}, ...). */
    public static Map<String, TorchTensor> read(Path path) throws IOException {
        try (LocalCopy local = LocalCopy.of(path)) {
            return read(local.file(), path.toString());
        }
    }

    /** Reads the zip from {@code in} (not closed) through a temporary copy; {@code source} names it in messages. */
    public static Map<String, TorchTensor> read(InputStream in, String source) throws IOException {
        try (LocalCopy local = LocalCopy.of(in)) {
            return read(local.file(), source);
        }
    }

    /** Reads a local file; {@code source} names it in messages. */
    public static Map<String, TorchTensor> read(java.nio.file.Path file, String source) throws IOException {
        try (ZipFile zip = open(file, source)) {
            ZipEntry pickle = zip.stream()
                    .filter(e -> e.getName().endsWith("/data.pkl") && e.getName().indexOf('/') == e.getName().length() - "/data.pkl".length())
                    .findFirst().orElseThrow(() -> new IOException(source + " is not a torch.save zip (PyTorch 1.6 or later): it has no <prefix>/data.pkl entry"));
            String prefix = pickle.getName().substring(0, pickle.getName().length() - "data.pkl".length());
            ZipEntry byteOrder = zip.getEntry(prefix + "byteorder");
            if (byteOrder != null && !new String(bytes(zip, byteOrder), StandardCharsets.US_ASCII).trim().equals("little")) {
                throw new IOException(source + ": storages are big-endian (" + prefix + "byteorder); only little-endian files are read");
            }
            Object root;
            try (StorageUnpickler unpickler = new StorageUnpickler()) {
                root = unpickler.loads(bytes(zip, pickle));
            } catch (PickleException | IllegalArgumentException | ClassCastException e) {
                throw new IOException(source + ": " + pickle.getName() + " does not unpickle as a state_dict: " + e.getMessage(), e);
            }
            if (!(root instanceof Map<?, ?> map)) {
                throw new IOException(source + ": " + pickle.getName() + " holds a " + typeName(root) + ", not a state_dict (a map of names to tensors)");
            }
            Map<String, byte[]> storages = new HashMap<>();
            Map<String, TorchTensor> tensors = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                String name = String.valueOf(e.getKey());
                if (!(e.getValue() instanceof TensorRef tensor)) {
                    throw new IOException(source + ": entry " + name + " is a " + typeName(e.getValue())
                            + ", not a tensor (a checkpoint that wraps its state_dict? save model.state_dict() itself)");
                }
                byte[] storage = storages.get(tensor.storage.key);
                if (storage == null) {
                    ZipEntry record = zip.getEntry(prefix + "data/" + tensor.storage.key);
                    storage = record == null ? null : bytes(zip, record);
                    storages.put(tensor.storage.key, storage);
                }
                tensors.put(name, tensor.values(source, name, storage));
            }
            return tensors;
        }
    }

    private static ZipFile open(java.nio.file.Path file, String source) throws IOException {
        try {
            return new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new IOException(source + " is not a torch.save zip (PyTorch 1.6 or later): " + e.getMessage(), e);
        }
    }

    private static byte[] bytes(ZipFile zip, ZipEntry entry) throws IOException {
        try (InputStream in = zip.getInputStream(entry)) {
            return in.readAllBytes();
        }
    }

    private static String typeName(Object o) {
        return o == null ? "None" : o.getClass().getSimpleName();
    }

    /** {@code OrderedDict()}, as torch.save pickles it (items set afterwards), or {@code OrderedDict([(key, value), ...])}. */
    private static Object orderedDict(Object[] args) {
        OrderedDict dict = new OrderedDict();
        if (args.length == 1 && args[0] instanceof List<?> items) {
            for (Object item : items) {
                Object[] pair = (Object[]) item;
                dict.put(pair[0], pair[1]);
            }
        }
        return dict;
    }

    private static Object rebuildTensor(Object[] args) {
        Object[] size = (Object[]) args[2];
        Object[] stride = (Object[]) args[3];
        long[] shape = new long[size.length];
        long[] strides = new long[size.length];
        for (int d = 0; d < size.length; d++) {
            shape[d] = ((Number) size[d]).longValue();
            strides[d] = ((Number) stride[d]).longValue();
        }
        return new TensorRef((StorageRef) args[0], ((Number) args[1]).longValue(), shape, strides);
    }

    /** A torch storage class, as the pickle names it in a persistent id. */
    private record StorageClass(String name) implements IObjectConstructor {
        @Override
        public Object construct(Object[] args) {
            throw new PickleException("torch." + name + " is not expected to be called in a state_dict pickle");
        }
    }

    /** {@code collections.OrderedDict}: a map in insertion order; its state ({@code _metadata}) is dropped. */
    public static final class OrderedDict extends LinkedHashMap<Object, Object> {
        private static final long serialVersionUID = 1L;

        public void __setstate__(HashMap<?, ?> state) {
            // torch's _metadata (module versions): not needed to read the tensors
        }

        public void __setstate__(OrderedDict state) {
            // as above, for a state that is itself a dict of this unpickler
        }
    }

    /** The persistent id {@code ('storage', storage_type, key, location, numel)}, resolved later. */
    private record StorageRef(String type, String key, long numel) {
    }

    private record TensorRef(StorageRef storage, long offset, long[] shape, long[] strides) {

        TorchTensor values(String source, String name, byte[] bytes) throws IOException {
            String where = source + ": entry " + name + " (" + storage.type + " " + storage.key + ")";
            int size = STORAGES.getOrDefault(storage.type, 0);
            if (size == 0) {
                throw new IOException(where + ": only float32 (FloatStorage) and int64 (LongStorage) tensors are read");
            }
            if (bytes == null || bytes.length != storage.numel * size) {
                throw new IOException(where + ": storage record " + (bytes == null ? "missing" : "of " + bytes.length
                        + " bytes, expected " + storage.numel * size));
            }
            long numel = 1;
            long last = offset;
            for (int d = 0; d < shape.length; d++) {
                numel *= shape[d];
                last += (shape[d] - 1) * strides[d];
            }
            if (numel > 0 && (offset < 0 || last >= storage.numel)) {
                throw new IOException(where + ": offset " + offset + " and strides reach past the storage's " + storage.numel + " elements");
            }
            ByteBuffer data = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            float[] values = new float[Math.toIntExact(numel)];
            long[] index = new long[shape.length];
            long position = offset;
            for (int i = 0; i < values.length; i++) {
                values[i] = size == 4 ? data.getFloat(Math.toIntExact(position * 4)) : data.getLong(Math.toIntExact(position * 8));
                for (int d = shape.length - 1; d >= 0; d--) {
                    position += strides[d];
                    if (++index[d] < shape[d]) {
                        break;
                    }
                    position -= strides[d] * shape[d];
                    index[d] = 0;
                }
            }
            return new TorchTensor(storage.type, shape, values);
        }
    }

    /**
     * Resolves torch's persistent ids to storage references (the bytes are read from the zip
     * afterwards), and keeps dicts in the pickle's order: Pyrolite's own SETITEMS goes through a HashMap.
     */
    private static final class StorageUnpickler extends Unpickler implements AutoCloseable {
        @Override
        protected Object dispatch(short opcode) throws IOException {
            if (opcode == Opcodes.EMPTY_DICT) {
                stack.add(new OrderedDict());
                return NO_RETURN_VALUE;
            }
            if (opcode == Opcodes.SETITEMS) {
                List<Object> items = stack.pop_all_since_marker();
                @SuppressWarnings("unchecked")
                Map<Object, Object> dict = (Map<Object, Object>) stack.peek();
                for (int i = 0; i + 1 < items.size(); i += 2) {
                    dict.put(items.get(i), items.get(i + 1));
                }
                return NO_RETURN_VALUE;
            }
            return super.dispatch(opcode);
        }

        @Override
        protected Object persistentLoad(Object pid) {
            if (!(pid instanceof Object[] id) || id.length != 5 || !"storage".equals(id[0])) {
                throw new PickleException("unexpected persistent id " + (pid instanceof Object[] a ? java.util.Arrays.toString(a) : pid));
            }
            if (!(id[1] instanceof StorageClass type)) {
                throw new PickleException("storage type " + id[1] + " is not one of torch's typed storages");
            }
            return new StorageRef(type.name, String.valueOf(id[2]), ((Number) id[4]).longValue());
        }
    }
}
