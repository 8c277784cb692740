package io.flinkddp.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flinkddp.config.TrainingSettings;
import io.flinkddp.data.DecodedImage;
import io.flinkddp.model.EngineBuffer;
import io.flinkddp.output.Checkpoints;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run stopped mid-epoch and resumed from its newest checkpoint ends where an uninterrupted run of the same
 * settings ends: same parameters (batch-norm statistics included, within 1e-6), same metrics, each epoch once.
 * The same for a run stopped at an epoch boundary and for a finished run. Two slots in lockstep, without Flink.
 */
class SlotTrainerResumeTest {

    // 2 slots x 16 training images, batch 4: 4 rounds per epoch, 3 epochs = 12 steps.
    private static final List<DecodedImage> IMAGES = Lockstep.images(2, 16);

    @TempDir
    Path temp;

    @Test
    void resumedMidEpochEndsWithTheUninterruptedParameters() {
        Lockstep reference = new Lockstep(settings("reference"), IMAGES, false);
        reference.runToEnd();

        TrainingSettings interrupted = settings("interrupted");
        Lockstep first = new Lockstep(interrupted, IMAGES, false);
        for (int round = 1; round <= 10; round++) {   // round 10 applies step 9; the newest checkpoint is of step 9
            first.round();
        }
        Checkpoints checkpoints = new Checkpoints(interrupted.output());
        assertEquals(9, checkpoints.newest().orElseThrow().stepsApplied());
        for (int round = 11; round <= 12; round++) {  // work after the checkpoint, lost with the "crash"
            first.round();
        }
        Lockstep resumed = new Lockstep(interrupted, IMAGES, true);
        resumed.runToEnd();

        assertSameEnd(reference, resumed);
        assertEquals(List.of(9L), resumed.slots.get(0).resumedFromSteps());
        // Every 3 steps (3, 6, 9, 12) and after each epoch (steps 5, 9 and 12: the last closes without a step);
        // --keep-checkpoints 3 keeps the newest three.
        assertEquals(List.of("12/3", "12/2", "9/2"), checkpoints.complete().stream()
                .map(m -> m.stepsApplied() + "/" + m.epochsCompleted()).toList());
    }

    @Test
    void resumedAtAnEpochBoundaryAndFromAFinishedRun() {
        Lockstep reference = new Lockstep(settings("reference"), IMAGES, false);
        reference.runToEnd();

        // Two epochs, then the same output asked for three: it goes on from the checkpoint of epoch 2.
        TrainingSettings twoEpochs = Lockstep.settings(temp.resolve("grown").toUri().toString(), 2, 4, 2);
        new Lockstep(twoEpochs, IMAGES, false).runToEnd();
        Lockstep grown = new Lockstep(settings("grown"), IMAGES, true);
        grown.runToEnd();
        assertSameEnd(reference, grown);

        // A finished run resumed from its last checkpoint is finished at once, with the same history.
        Lockstep again = new Lockstep(settings("grown"), IMAGES, true);
        assertTrue(again.round().finished);
        assertEquals(reference.slots.get(0).history().size(), again.slots.get(0).history().size());
    }

    private TrainingSettings settings(String name) {
        return Lockstep.settings(temp.resolve(name).toUri().toString(), 2, 4, 3, "--checkpoint-every-rounds", "3");
    }

    private static void assertSameEnd(Lockstep expected, Lockstep actual) {
        for (int slot = 0; slot < 2; slot++) {
            float[] want = expected.slots.get(slot).engine().read(EngineBuffer.PARAMETERS);
            float[] got = actual.slots.get(slot).engine().read(EngineBuffer.PARAMETERS);
            double maxDiff = Lockstep.maxDifference(want, got);
            assertTrue(maxDiff <= 1e-6, "slot " + slot + ": parameters differ by up to " + maxDiff);
        }
        List<EpochMetrics> want = expected.slots.get(0).history();
        List<EpochMetrics> got = actual.slots.get(0).history();
        assertEquals(List.of(1, 2, 3), got.stream().map(EpochMetrics::epoch).toList(), "each epoch once");
        for (int i = 0; i < want.size(); i++) {
            assertEquals(want.get(i).trainLoss(), got.get(i).trainLoss(), 1e-9, "train loss of epoch " + (i + 1));
            assertEquals(want.get(i).trainTop1(), got.get(i).trainTop1(), 0, "train top-1 of epoch " + (i + 1));
            assertEquals(want.get(i).valLoss(), got.get(i).valLoss(), 1e-9, "validation loss of epoch " + (i + 1));
            assertEquals(want.get(i).learningRate(), got.get(i).learningRate(), 0, "rate of epoch " + (i + 1));
        }
    }
}
