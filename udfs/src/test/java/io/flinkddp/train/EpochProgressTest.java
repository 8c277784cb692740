package io.flinkddp.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The progress estimate, on a fake clock: the time left comes from this epoch's rate, and is unknown until an
 * image is done and the epoch's size is known; a progress line comes at most every 30 s and none in an epoch's
 * first 30 s, and none once the epoch's images are all done; a resumed epoch counts what was done before the
 * checkpoint; durations read as minutes and hours.
 */
class EpochProgressTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private long now = 1000 * SECOND;
    private final EpochProgress progress = new EpochProgress(() -> now, 30 * SECOND);

    @Test
    void estimatesFromThisEpochsRate() {
        // 320 of 800 images in 16 s: 20 img/s, 24 s left of epoch 2, plus one more epoch of 40 s.
        now += 16 * SECOND;
        progress.applied(160);
        progress.applied(160);
        EpochProgress.Estimate estimate = progress.estimate(2, 3, 800);
        assertEquals(320, estimate.imagesDone());
        assertEquals(20.0, estimate.imagesPerSecond(), 1e-9);
        assertEquals(24.0, estimate.epochSecondsLeft(), 1e-9);
        assertEquals(64.0, estimate.runSecondsLeft(), 1e-9);
        assertEquals("epoch 2/3: 320/800 images, 20.0 img/s, 24 s left in the epoch, 1 min 04 s in the run", estimate.logLine());
    }

    @Test
    void unknownUntilAnImageIsDoneAndTheEpochSizeKnown() {
        now += 5 * SECOND;
        assertTrue(Double.isNaN(progress.estimate(1, 3, 800).runSecondsLeft()));
        progress.applied(32);
        assertTrue(Double.isNaN(progress.estimate(1, 3, 0).runSecondsLeft()));
        assertEquals(5.0 / 32 * (800 - 32 + 2 * 800), progress.estimate(1, 3, 800).runSecondsLeft(), 1e-9);
    }

    @Test
    void aLineAtMostEvery30SecondsAndNotInAnEpochsFirst30() {
        progress.applied(10);
        now += 29 * SECOND;
        assertEquals(Optional.empty(), progress.line(progress.estimate(1, 2, 1000)));
        now += SECOND;
        assertTrue(progress.line(progress.estimate(1, 2, 1000)).isPresent());
        now += 29 * SECOND;
        assertEquals(Optional.empty(), progress.line(progress.estimate(1, 2, 1000)));
        now += 2 * SECOND;
        assertTrue(progress.line(progress.estimate(1, 2, 1000)).isPresent());
        // A new epoch starts the spacing over, and counts its images from zero.
        progress.epochStarted(now);
        progress.applied(10);
        now += 20 * SECOND;
        assertEquals(Optional.empty(), progress.line(progress.estimate(2, 2, 1000)));
        assertEquals(10, progress.estimate(2, 2, 1000).imagesDone());
        now += 10 * SECOND;
        assertTrue(progress.line(progress.estimate(2, 2, 1000)).isPresent());
    }

    @Test
    void noLineOnceTheEpochsImagesAreAllDone() {
        progress.applied(1000);
        now += 60 * SECOND;
        EpochProgress.Estimate done = progress.estimate(1, 1, 1000);
        assertEquals(0.0, done.runSecondsLeft(), 1e-9);
        assertEquals(Optional.empty(), progress.line(done));
    }

    @Test
    void aResumedEpochCountsWhatWasDoneBeforeTheCheckpoint() {
        progress.resume(400, 20.0);
        now += 20 * SECOND;
        progress.applied(400);
        EpochProgress.Estimate estimate = progress.estimate(1, 2, 1000);
        assertEquals(20.0, estimate.imagesPerSecond(), 1e-9);
        assertEquals(10.0 + 50.0, estimate.runSecondsLeft(), 1e-9);
    }

    @Test
    void durationsReadAsMinutesAndHours() {
        assertEquals("59 s", EpochProgress.duration(59.4));
        assertEquals("1 min 15 s", EpochProgress.duration(75));
        assertEquals("1 h 02 min", EpochProgress.duration(3725));
        assertEquals("?", EpochProgress.duration(Double.NaN));
    }
}
