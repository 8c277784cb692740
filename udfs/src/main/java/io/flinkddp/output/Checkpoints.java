package io.flinkddp.output;

import io.flinkddp.config.TrainingSettings;
import io.flinkddp.train.TrainingState;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;
import org.apache.commons.io.output.CountingOutputStream;
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
    static final String MANIFEST = CheckpointManifest.FILE;
    private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);

    private final Path root;

    public Checkpoints(String output) {
        this.root = new Path(new Path(output), DIRECTORY);
    }

    /** Complete checkpoints, newest first. */
    public List<CheckpointManifest> complete() {
        List<CheckpointManifest> found = new ArrayList<>();
        for (Path folder : folders()) {
            CheckpointManifest.read(folder).ifPresent(found::add);
        }
        found.sort(Comparator.comparingLong(CheckpointManifest::stepsApplied).thenComparingInt(CheckpointManifest::epochsCompleted).reversed());
        return found;
    }

    public Optional<CheckpointManifest> newest() {
        return complete().stream().findFirst();
    }

    /**
     * The resume point: the newest complete checkpoint that reads back intact (length and CRC-32 as its
     * manifest says), after checking it was written with these settings; empty if there is none. A
     * damaged one is logged and the next older is tried. A run chooses it once per attempt
     * ({@code choose-checkpoint}); every slot then {@link #load}s that one.
     */
    public Optional<CheckpointManifest> newestIntact(TrainingSettings settings) {
        for (CheckpointManifest manifest : complete()) {
            manifest.requireResumableBy(settings);
            try {
                load(manifest);
                return Optional.of(manifest);
            } catch (IOException e) {
                LOG.warn("checkpoint {} cannot be used, trying an older one: {}", manifest.folder(), e.getMessage());
            }
        }
        return Optional.empty();
    }

    /** The state of {@link #newestIntact}, if any. */
    public Optional<TrainingState> loadNewest(TrainingSettings settings) {
        return newestIntact(settings).map(manifest -> load(manifest.folder().toString()));
    }

    /** The state of the checkpoint in {@code folder}, checked against its manifest. */
    public static TrainingState load(String folder) {
        Path path = new Path(folder);
        try {
            CheckpointManifest manifest = CheckpointManifest.read(path).orElseThrow(() -> new IOException("its manifest is missing or unreadable"));
            return load(manifest);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the checkpoint chosen to resume from, " + folder + ": " + e.getMessage(), e);
        }
    }

    static TrainingState load(CheckpointManifest manifest) throws IOException {
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
    public CheckpointManifest write(TrainingState state, TrainingSettings settings) {
        Path folder = new Path(root, String.format("step-%012d-epochs-%d", state.stepsApplied(), state.epochsCompleted()));
        Path statePath = new Path(folder, STATE);
        try {
            FileSystem fs = statePath.getFileSystem();
            fs.mkdirs(folder);
            CRC32 crc = new CRC32();
            CountingOutputStream counted;
            try (OutputStream file = fs.create(statePath, FileSystem.WriteMode.OVERWRITE);
                 DataOutputStream out = new DataOutputStream(new BufferedOutputStream(
                         new CheckedOutputStream(counted = new CountingOutputStream(file), crc), 1 << 20))) {
                state.write(out);
            }
            CheckpointManifest manifest = new CheckpointManifest(folder, state.stepsApplied(), state.epochsCompleted(), counted.getByteCount(), crc.getValue(),
                    settings.trainingShape());
            manifest.write();
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
        List<CheckpointManifest> complete = complete();
        List<Path> doomed = new ArrayList<>();
        complete.stream().skip(keep).forEach(m -> doomed.add(m.folder()));
        List<Path> kept = complete.stream().limit(keep).map(CheckpointManifest::folder).toList();
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
                if (CheckpointManifest.FOLDER_NAME.matcher(entry.getPath().getName()).matches()) {
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
}
