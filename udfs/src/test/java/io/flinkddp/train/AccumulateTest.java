package io.flinkddp.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flinkddp.config.TrainingSettings;
import io.flinkddp.data.DecodedImage;
import io.flinkddp.model.EngineBuffer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --accumulate A}: A micro-batches of b images summed before the step are exact SGD on A x b
 * images (checked on a network without batch norm, whose gradient adds up over images), in A times
 * fewer rounds; with batch norm two slots stay identical replicas and resume exactly.
 */
class AccumulateTest {

    @TempDir
    Path temp;

    @Test
    void twoMicroBatchesOfFourAreOneBatchOfEight() {
        List<DecodedImage> images = Lockstep.images(1, 24);
        Lockstep whole = new Lockstep(settings("whole", 1, 8), images, false, false);
        Lockstep accumulated = new Lockstep(settings("accumulated", 1, 4, "--accumulate", "2"), images, false, false);
        whole.runToEnd();
        accumulated.runToEnd();
        float[] want = whole.slots.get(0).engine().read(EngineBuffer.PARAMETERS);
        float[] got = accumulated.slots.get(0).engine().read(EngineBuffer.PARAMETERS);
        double maxDiff = Lockstep.maxDifference(want, got);
        assertTrue(maxDiff < 1e-5, "parameters differ by up to " + maxDiff);
        for (int i = 0; i < 3; i++) {
            EpochMetrics a = whole.slots.get(0).history().get(i);
            EpochMetrics b = accumulated.slots.get(0).history().get(i);
            assertEquals(a.trainLoss(), b.trainLoss(), 1e-5, "train loss of epoch " + (i + 1));
            assertEquals(a.valLoss(), b.valLoss(), 1e-5, "validation loss of epoch " + (i + 1));
        }
    }

    @Test
    void twoSlotsWithBatchNormStayIdenticalAndResumeExactly() {
        List<DecodedImage> images = Lockstep.images(2, 16);
        Lockstep reference = new Lockstep(settings("reference", 2, 4, "--accumulate", "2"), images, false);
        reference.runToEnd();
        assertEquals(reference.slots.get(0).engine().fingerprint(), reference.slots.get(1).engine().fingerprint());

        TrainingSettings resumable = settings("resumed", 2, 4, "--accumulate", "2", "--checkpoint-every-rounds", "1");
        Lockstep first = new Lockstep(resumable, images, false);
        for (int round = 1; round <= 4; round++) {
            first.round();
        }
        Lockstep resumed = new Lockstep(resumable, images, true);
        resumed.runToEnd();
        float[] want = reference.slots.get(1).engine().read(EngineBuffer.PARAMETERS);
        float[] got = resumed.slots.get(1).engine().read(EngineBuffer.PARAMETERS);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-6, "parameter " + i);
        }
    }

    private TrainingSettings settings(String name, int slots, int batch, String... more) {
        return Lockstep.settings(temp.resolve(name).toUri().toString(), slots, batch, 3, more);
    }
}
