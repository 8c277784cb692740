package io.flinkddp.output;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flinkddp.config.InvalidSettingsException;
import io.flinkddp.config.TrainingSettings;
import io.flinkddp.model.BatchStats;
import io.flinkddp.train.EpochMetrics;
import io.flinkddp.train.TrainingState;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints under {@code --output}: written, read back, and only the newest {@code --keep-checkpoints} kept;
 * a folder without its manifest (a crash between state and manifest) is not a checkpoint, and a damaged state
 * (its CRC-32 does not match) falls back to the checkpoint before; a checkpoint of other settings is refused
 * naming the option; one written before an option existed reads as that option's default.
 */
class CheckpointsTest {

    @TempDir
    Path temp;

    @Test
    void writesReadsBackAndKeepsTheNewest() {
        TrainingSettings settings = settings("--keep-checkpoints", "2");
        Checkpoints checkpoints = new Checkpoints(settings.output());
        assertTrue(checkpoints.loadNewest(settings).isEmpty(), "no checkpoint yet");
        for (long step = 1; step <= 4; step++) {
            checkpoints.write(state(step), settings);
        }
        assertEquals(List.of(4L, 3L), checkpoints.complete().stream().map(CheckpointManifest::stepsApplied).toList());
        TrainingState loaded = checkpoints.loadNewest(settings).orElseThrow();
        TrainingState written = state(4);
        assertEquals(written.stepsApplied(), loaded.stepsApplied());
        assertArrayEquals(written.parameters(), loaded.parameters());
        assertArrayEquals(written.velocity(), loaded.velocity());
        assertEquals(written.history(), loaded.history());
        assertEquals(written.epochTrain(), loaded.epochTrain());
        assertEquals(written.bestValidationLoss(), loaded.bestValidationLoss());
    }

    @Test
    void ignoresIncompleteAndFallsBackFromDamagedCheckpoints() throws Exception {
        TrainingSettings settings = settings();
        Checkpoints checkpoints = new Checkpoints(settings.output());
        checkpoints.write(state(5), settings);
        CheckpointManifest newest = checkpoints.write(state(6), settings);
        Path stateFile = Path.of(new org.apache.flink.core.fs.Path(newest.folder(), Checkpoints.STATE).toUri());
        try (RandomAccessFile file = new RandomAccessFile(stateFile.toFile(), "rw")) {
            file.seek(200);
            file.write(0x55);   // a flipped byte: the CRC-32 no longer matches
        }
        // A crash between state and manifest leaves a folder without a manifest: not a checkpoint.
        Path incomplete = Files.createDirectories(temp.resolve("run/checkpoints/step-000000000007-epochs-1"));
        Files.write(incomplete.resolve(Checkpoints.STATE), new byte[] {1, 2, 3});

        assertEquals(6, checkpoints.newest().orElseThrow().stepsApplied());
        assertEquals(5, checkpoints.loadNewest(settings).orElseThrow().stepsApplied(), "the damaged step-6 state is skipped");
    }

    @Test
    void refusesCheckpointsOfOtherSettingsNamingTheOption() {
        Checkpoints checkpoints = new Checkpoints(settings().output());
        checkpoints.write(state(3), settings());
        TrainingSettings other = settings("--batch-size", "16");
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class, () -> checkpoints.loadNewest(other));
        assertTrue(e.getMessage().contains("--batch-size 100") && e.getMessage().contains("--batch-size 16"), e.getMessage());
        // The epoch count and where checkpoints go do not shape training: those may change.
        assertEquals(3, checkpoints.loadNewest(settings("--epochs", "50", "--keep-checkpoints", "1")).orElseThrow().stepsApplied());
    }

    @Test
    void aCheckpointFromBeforeAnOptionExistedHadItsDefault() throws Exception {
        Checkpoints checkpoints = new Checkpoints(settings().output());
        CheckpointManifest written = checkpoints.write(state(3), settings());
        // As an older version wrote it: without --accumulate in its training shape.
        Path manifest = Path.of(new org.apache.flink.core.fs.Path(written.folder(), Checkpoints.MANIFEST).toUri());
        Files.writeString(manifest, Files.readString(manifest).replaceAll("\"accumulate\"\\s*:\\s*\"1\"\\s*,", ""));
        assertTrue(!Files.readString(manifest).contains("accumulate"));
        assertEquals(3, checkpoints.loadNewest(settings()).orElseThrow().stepsApplied(), "resumed with the default, 1");
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class,
                () -> checkpoints.loadNewest(settings("--accumulate", "2")));
        assertTrue(e.getMessage().contains("--accumulate 1, but this run has --accumulate 2"), e.getMessage());
    }

    private TrainingSettings settings(String... args) {
        return TrainingSettings.parse(Map.of(), args, "file:///data", temp.resolve("run").toUri().toString());
    }

    private static TrainingState state(long step) {
        float[] parameters = new float[300_000];
        float[] velocity = new float[300_000];
        for (int i = 0; i < parameters.length; i++) {
            parameters[i] = step + i * 1e-3f;
            velocity[i] = -i;
        }
        List<EpochMetrics> history = List.of(new EpochMetrics(1, 2.0, 0.25, 1.5, 0.5, 0.9, 0.01, 120.0, 33.0));
        return new TrainingState(step, 4, 32, 16, 0.01, 1.5, 1, new BatchStats(8, 4.5, 3, 7), 2.5, history, List.of(2L),
                parameters, velocity);
    }
}
