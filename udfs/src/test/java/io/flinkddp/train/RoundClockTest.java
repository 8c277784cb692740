package io.flinkddp.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RoundClockTest {

    private static final long MS = 1_000_000L;

    @Test
    void splitsEachRoundIntoComputeTheRestOfTheCallAndFlinksPart() {
        TrainingProgress progress = new TrainingProgress();
        RoundClock clock = new RoundClock(progress);
        long compute = 0;
        long now = 0;
        // Rounds of 1000 ms: 600 ms computing, 100 ms else inside the call, 300 ms outside it;
        // the third round also evaluates (+2000 ms inside), which the medians leave out.
        for (int round = 1; round <= 5; round++) {
            clock.started(now, compute);
            compute += 600 * MS;
            now += (round == 3 ? 2700 : 700) * MS;
            clock.ended(now, compute);
            now += 300 * MS;
        }
        clock.started(now, compute);
        assertEquals(5, clock.rounds());
        assertEquals(1.0, progress.roundSeconds, 1e-9);
        assertEquals(0.6, progress.computeSeconds, 1e-9);
        assertEquals("slot 1, 5 rounds, median round 1.000 s: compute 0.600 s, rest of train-round 0.100 s"
                + " (sums in, update, chunks out), outside 0.300 s (Flink: exchange, sums, broadcast, barrier)", clock.summary(1));
    }

    @Test
    void aRoundIsTimedOnlyOnceTheNextCallStarts() {
        RoundClock clock = new RoundClock(new TrainingProgress());
        clock.started(0, 0);
        clock.ended(5 * MS, 4 * MS);
        assertEquals(0, clock.rounds());
    }
}
