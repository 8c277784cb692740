package io.flinkddp.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flinkddp.config.TrainingSettings;
import io.flinkddp.data.DecodedImage;
import io.flinkddp.model.EngineBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --local-steps K: one slot taking K local steps per round takes exactly the K ordinary steps (the
 * average over one replica is its own move); two slots stay identical replicas, and a run with local
 * steps resumes from its checkpoint exactly.
 */
class LocalStepsTest {

    @TempDir
    Path temp;

    @Test
    void oneSlotWithKLocalStepsTakesKOrdinarySteps() {
        // 24 training images, batch 4: 6 steps per epoch, as 6 rounds of 1 step or 3 rounds of 2.
        // --lr-patience 0 makes the rate drop at epoch ends, so the schedule is checked too.
        List<DecodedImage> images = Lockstep.images(1, 24);
        Lockstep ordinary = new Lockstep(settings("k1", 1, "1"), images, false);
        Lockstep local = new Lockstep(settings("k2", 1, "2"), images, false);
        ordinary.runToEnd();
        local.runToEnd();
        float[] want = ordinary.slots.get(0).engine().read(EngineBuffer.PARAMETERS);
        float[] got = local.slots.get(0).engine().read(EngineBuffer.PARAMETERS);
        double maxDiff = Lockstep.maxDifference(want, got);
        assertTrue(maxDiff < 1e-5, "parameters differ by up to " + maxDiff);
        List<EpochMetrics> a = ordinary.slots.get(0).history();
        List<EpochMetrics> b = local.slots.get(0).history();
        assertEquals(3, b.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(a.get(i).learningRate(), b.get(i).learningRate(), 1e-12, "rate of epoch " + (i + 1));
            assertEquals(a.get(i).trainLoss(), b.get(i).trainLoss(), 1e-4, "train loss of epoch " + (i + 1));
            assertEquals(a.get(i).valLoss(), b.get(i).valLoss(), 1e-4, "validation loss of epoch " + (i + 1));
        }
    }

    @Test
    void twoSlotsStayIdenticalAndResumeExactly() {
        List<DecodedImage> images = Lockstep.images(2, 16);
        Lockstep reference = new Lockstep(settings("reference", 2, "2"), images, false);
        reference.runToEnd();   // the epoch-end check fails if the replicas' fingerprints ever differ
        assertTrue(reference.slots.get(0).engine().fingerprint() == reference.slots.get(1).engine().fingerprint());

        Lockstep first = new Lockstep(settings("resumed", 2, "2", "--checkpoint-every-rounds", "1"), images, false);
        for (int round = 1; round <= 5; round++) {
            first.round();
        }
        Lockstep resumed = new Lockstep(settings("resumed", 2, "2", "--checkpoint-every-rounds", "1"), images, true);
        resumed.runToEnd();
        float[] want = reference.slots.get(1).engine().read(EngineBuffer.PARAMETERS);
        float[] got = resumed.slots.get(1).engine().read(EngineBuffer.PARAMETERS);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-6, "parameter " + i);
        }
    }

    private TrainingSettings settings(String name, int slots, String localSteps, String... more) {
        List<String> args = new ArrayList<>(List.of("--local-steps", localSteps, "--lr-patience", "0"));
        args.addAll(List.of(more));
        return Lockstep.settings(temp.resolve(name).toUri().toString(), slots, 4, 3, args.toArray(String[]::new));
    }
}
