package io.flinkddp.output;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkddp.config.InvalidSettingsException;
import io.flinkddp.config.JobOptions;
import io.flinkddp.config.TrainingSettings;
import io.flinkddp.train.TrainingState;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FileNotFoundException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checkpoints of a run, under {@code <output>/checkpoints/step-<steps>-epochs-<epochs>/}: {@code state.bin} (a
 * {@link TrainingState}) and {@code manifest.json} (steps, epochs, the state's length and CRC-32, and
 * the settings that shape training). The manifest is written last, by rename: a checkpoint without one
 * is incomplete and ignored. Works on any Flink file system (file://, s3://, hdfs://).
 */
public final class Checkpoints {

    public static final String DIRECTORY = "checkpoints";
    static final String STATE = "state.bin";
    static final String MANIFEST = "manifest.json";
    private static final Pattern NAME = Pattern.compile("step-(\\d+)-epochs-(\\d+)");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);

    private final Path root;

    public Checkpoints(String output) {
        this.root = new Path(new Path(output), DIRECTORY);
    }

    /** A complete checkpoint: its folder and what its manifest says. */
    public record Manifest(Path folder, long stepsApplied, int epochsCompleted, long stateBytes, long crc32,
                           Map<String, String> trainingShape) {

        /** Throws, naming the option, if this checkpoint was written by a run of other settings. */
        public void requireResumableBy(TrainingSettings settings) {
            Map<String, String> current = settings.trainingShape();
            for (Map.Entry<String, String> entry : current.entrySet()) {
                String written = trainingShape.get(entry.getKey());
                if (!entry.getValue().equals(written)) {
                    throw new InvalidSettingsException("--" + JobOptions.OUTPUT + " " + settings.output() + " holds checkpoints of a run with --"
                            + entry.getKey() + " " + written + ", but this run has --" + entry.getKey() + " " + entry.getValue()
                            + ": repeat that run's settings to resume it, or choose another --" + JobOptions.OUTPUT);
                }
            }
        }
    }

    /** Complete checkpoints, newest first. */
    public List<Manifest> complete() {
        List<Manifest> found = new ArrayList<>();
        for (Path folder : folders()) {
            readManifest(folder).ifPresent(found::add);
        }
        found.sort(Comparator.comparingLong(Manifest::stepsApplied).thenComparingInt(Manifest::epochsCompleted).reversed());
        return found;
    }

    public Optional<Manifest> newest() {
        return complete().stream().findFirst();
    }

    /**
     * The state of the newest complete checkpoint that reads back intact (length and CRC-32 as its
     * manifest says), after checking it was written with these settings; empty if there is none. A
     * damaged one is logged and the next older is tried.
     */
    public Optional<TrainingState> loadNewest(TrainingSettings settings) {
        for (Manifest manifest : complete()) {
            manifest.requireResumableBy(settings);
            try {
                return Optional.of(load(manifest));
            } catch (IOException e) {
                LOG.warn("checkpoint {} cannot be used, trying an older one: {}", manifest.folder(), e.getMessage());
            }
        }
        return Optional.empty();
    }

    static TrainingState load(Manifest manifest) throws IOException {
        Path state = new Path(manifest.folder(), STATE);
        FileSystem fs = state.getFileSystem();
        try (CheckedInputStream checked = new CheckedInputStream(fs.open(state), new CRC32());
             DataInputStream in = new DataInputStream(new BufferedInputStream(checked, 1 << 20))) {
            TrainingState loaded = TrainingState.read(in);
            if (in.read() != -1) {
                throw new IOException(state + " is longer than its manifest says");
            }
            long length = fs.getFileStatus(state).getLen();
            if (length != manifest.stateBytes() || checked.getChecksum().getValue() != manifest.crc32()) {
                throw new IOException(state + " is damaged: " + length + " bytes, CRC-32 " + checked.getChecksum().getValue()
                        + "; its manifest says " + manifest.stateBytes() + " bytes, CRC-32 " + manifest.crc32());
            }
            if (loaded.stepsApplied() != manifest.stepsApplied()) {
                throw new IOException(state + " holds step " + loaded.stepsApplied() + ", its manifest says " + manifest.stepsApplied());
            }
            return loaded;
        } catch (java.io.EOFException e) {
            throw new IOException(state + " is truncated", e);
        }
    }

    /**
     * Writes {@code state} as a new checkpoint (state, then manifest), then keeps only the newest
     * {@code settings.keepCheckpoints()} complete ones. A failed write throws (durable state is the
     * contract); a failed clean-up of old ones is only logged.
     */
    public Manifest write(TrainingState state, TrainingSettings settings) {
        Path folder = new Path(root, String.format("step-%012d-epochs-%d", state.stepsApplied(), state.epochsCompleted()));
        Path statePath = new Path(folder, STATE);
        try {
            FileSystem fs = statePath.getFileSystem();
            fs.mkdirs(folder);
            CRC32 crc = new CRC32();
            long[] bytes = new long[1];
            try (OutputStream file = fs.create(statePath, FileSystem.WriteMode.OVERWRITE);
                 DataOutputStream out = new DataOutputStream(new BufferedOutputStream(
                         new CheckedOutputStream(new Counting(file, bytes), crc), 1 << 20))) {
                state.write(out);
            }
            Manifest manifest = new Manifest(folder, state.stepsApplied(), state.epochsCompleted(), bytes[0], crc.getValue(),
                    settings.trainingShape());
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("steps_applied", manifest.stepsApplied());
            json.put("epochs_completed", manifest.epochsCompleted());
            json.put("state_bytes", manifest.stateBytes());
            json.put("state_crc32", manifest.crc32());
            json.put("training_shape", manifest.trainingShape());
            new RunOutputs(folder.toString()).writeJson(MANIFEST, json);
            prune(settings.keepCheckpoints(), folder);
            return manifest;
        } catch (IOException | UncheckedIOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + folder + ": " + e.getMessage(),
                    e instanceof IOException io ? io : ((UncheckedIOException) e).getCause());
        }
    }

    /**
     * Deletes all but the newest {@code keep} complete checkpoints, and incomplete ones (left by a
     * crash) other than {@code current}. Manifest first, so a half-deleted checkpoint is never taken for
     * a complete one; then its files, then its folder (object stores refuse to delete a non-empty "folder").
     */
    void prune(int keep, Path current) {
        List<Manifest> complete = complete();
        List<Path> doomed = new ArrayList<>();
        complete.stream().skip(keep).forEach(m -> doomed.add(m.folder()));
        List<Path> kept = complete.stream().limit(keep).map(Manifest::folder).toList();
        for (Path folder : folders()) {
            if (!kept.contains(folder) && !doomed.contains(folder) && !folder.equals(current)) {
                doomed.add(folder);
            }
        }
        for (Path folder : doomed) {
            try {
                FileSystem fs = folder.getFileSystem();
                fs.delete(new Path(folder, MANIFEST), false);
                FileStatus[] files = fs.listStatus(folder);
                for (FileStatus file : files == null ? new FileStatus[0] : files) {
                    fs.delete(file.getPath(), false);
                }
                fs.delete(folder, false);
            } catch (IOException e) {
                LOG.warn("could not delete old checkpoint {} (training goes on): {}", folder, e.getMessage());
            }
        }
    }

    private List<Path> folders() {
        try {
            FileSystem fs = root.getFileSystem();
            if (!fs.exists(root)) {
                return List.of();
            }
            List<Path> folders = new ArrayList<>();
            FileStatus[] entries = fs.listStatus(root);
            for (FileStatus entry : entries == null ? new FileStatus[0] : entries) {
                if (NAME.matcher(entry.getPath().getName()).matches()) {
                    folders.add(entry.getPath());
                }
            }
            return folders;
        } catch (FileNotFoundException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list checkpoints under " + root + ": " + e.getMessage(), e);
        }
    }

    private static Optional<Manifest> readManifest(Path folder) {
        Path file = new Path(folder, MANIFEST);
        try {
            FileSystem fs = file.getFileSystem();
            if (!fs.exists(file)) {
                return Optional.empty();
            }
            Map<?, ?> json;
            try (InputStream in = fs.open(file)) {
                json = JSON.readValue(in, Map.class);
            }
            Map<String, String> shape = new LinkedHashMap<>();
            ((Map<?, ?>) json.get("training_shape")).forEach((k, v) -> shape.put(String.valueOf(k), String.valueOf(v)));
            Matcher name = NAME.matcher(folder.getName());
            long steps = ((Number) json.get("steps_applied")).longValue();
            int epochs = ((Number) json.get("epochs_completed")).intValue();
            if (!name.matches() || Long.parseLong(name.group(1)) != steps || Integer.parseInt(name.group(2)) != epochs) {
                LOG.warn("ignoring checkpoint {}: its manifest says step {}, {} epochs", folder, steps, epochs);
                return Optional.empty();
            }
            return Optional.of(new Manifest(folder, steps, epochs,
                    ((Number) json.get("state_bytes")).longValue(), ((Number) json.get("state_crc32")).longValue(), shape));
        } catch (IOException | RuntimeException e) {
            LOG.warn("ignoring checkpoint {}: unreadable manifest: {}", folder, e.toString());
            return Optional.empty();
        }
    }

    /** Counts the bytes that reach the file. */
    private static final class Counting extends FilterOutputStream {
        private final long[] count;

        Counting(OutputStream out, long[] count) {
            super(out);
            this.count = count;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count[0]++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count[0] += len;
        }
    }
}
