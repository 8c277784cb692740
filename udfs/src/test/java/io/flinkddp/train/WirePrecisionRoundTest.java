package io.flinkddp.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flinkddp.data.DecodedImage;
import io.flinkddp.model.EngineBuffer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole round with {@code --wire-precision bf16}: two slots send their gradients in bf16 through the
 * chunk serializer, the sums come back in bf16, and both replicas take the same step, which differs
 * from the fp32 step by bf16's rounding only.
 */
class WirePrecisionRoundTest {

    private static final List<DecodedImage> IMAGES = Lockstep.images(2, 8);

    @TempDir
    Path temp;

    @Test
    void bf16StepIsTheFp32StepUpToBf16RoundingOnBothReplicas() {
        float[] start = lockstep("start", "fp32").slots.get(0).engine().read(EngineBuffer.PARAMETERS);
        float[] fp32 = stepOnce("fp32").slots.get(0).engine().read(EngineBuffer.PARAMETERS);
        Lockstep bf16 = stepOnce("bf16");
        float[] bf16Slot0 = bf16.slots.get(0).engine().read(EngineBuffer.PARAMETERS);
        float[] bf16Slot1 = bf16.slots.get(1).engine().read(EngineBuffer.PARAMETERS);

        assertEquals(bf16.slots.get(0).engine().fingerprint(), bf16.slots.get(1).engine().fingerprint(), "replicas identical");
        double moveNorm = 0;
        double differenceNorm = 0;
        for (int i = 0; i < start.length; i++) {
            assertEquals(bf16Slot0[i], bf16Slot1[i], 0.0, "parameter " + i);
            moveNorm += Math.pow(fp32[i] - start[i], 2);
            differenceNorm += Math.pow(bf16Slot0[i] - fp32[i], 2);
        }
        double relative = Math.sqrt(differenceNorm / moveNorm);
        assertTrue(moveNorm > 0, "the step moved the parameters");
        assertTrue(relative > 0, "bf16 rounding reached the step");
        assertTrue(relative < 1e-2, "the bf16 step differs from the fp32 step by " + relative + " of its size");
    }

    /** Round 1 computes step 0's gradients, round 2 applies their sum. */
    private Lockstep stepOnce(String wire) {
        Lockstep lockstep = lockstep(wire, wire);
        lockstep.round();
        lockstep.round();
        return lockstep;
    }

    private Lockstep lockstep(String name, String wire) {
        return new Lockstep(Lockstep.settings(temp.resolve(name).toUri().toString(), 2, 4, 1, "--wire-precision", wire),
                IMAGES, false);
    }
}
