package io.flinkddp.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EpochScheduleTest {

    @Test
    void anEpochIsOnePassOverTheLargestShard() {
        // 10 images, batch 4: 3 rounds (4 + 4 + 2); 2 epochs = steps 0..5.
        EpochSchedule schedule = EpochSchedule.unknown(2, 4, 1).withLargestShard(10);
        assertEquals(3, schedule.roundsPerEpoch());
        assertEquals(List.of(0, 0, 0, 1, 1, 1), epochs(schedule, 6));
        assertEquals(2, schedule.roundOfEpoch(5));
        assertEquals(0, schedule.epochEndedAfter(0));
        assertEquals(0, schedule.epochEndedAfter(2));
        assertEquals(1, schedule.epochEndedAfter(3));
        assertEquals(2, schedule.epochEndedAfter(6));
        assertTrue(schedule.trains(5));
        assertFalse(schedule.trains(6));
        assertArrayEquals(new int[] {8, 10}, schedule.window(2, 0, 10), "the ragged last batch");
        assertArrayEquals(new int[] {8, 9}, schedule.window(5, 0, 9), "a smaller shard runs out sooner");
        assertArrayEquals(new int[] {7, 7}, schedule.window(2, 0, 7), "and then has nothing left");
    }

    @Test
    void localStepsMakeRoundsOfSeveralMinibatches() {
        // 10 images, batch 2, 2 minibatches a round: 3 rounds (4 + 4 + 2 images).
        EpochSchedule schedule = EpochSchedule.unknown(1, 2, 2).withLargestShard(10);
        assertEquals(3, schedule.roundsPerEpoch());
        assertArrayEquals(new int[] {4, 6}, schedule.window(1, 0, 10));
        assertArrayEquals(new int[] {6, 8}, schedule.window(1, 1, 10));
        assertArrayEquals(new int[] {10, 10}, schedule.window(2, 1, 10), "the last round has one minibatch");
    }

    @Test
    void beforeTheLengthIsKnownOnlyStepZeroIs() {
        EpochSchedule schedule = EpochSchedule.unknown(3, 4, 1);
        assertFalse(schedule.known());
        assertEquals(0, schedule.epochOf(0));
        assertEquals(0, schedule.epochEndedAfter(0));
        assertTrue(schedule.trains(0));
        assertArrayEquals(new int[] {0, 4}, schedule.window(0, 0, 10));
    }

    private static List<Integer> epochs(EpochSchedule schedule, int steps) {
        List<Integer> epochs = new ArrayList<>();
        for (int step = 0; step < steps; step++) {
            epochs.add(schedule.epochOf(step));
        }
        return epochs;
    }
}
