package io.flinkddp.train;

import java.util.Locale;
import org.apache.commons.math3.stat.descriptive.DescriptiveStatistics;

/**
 * Where a slot's rounds go. Input: the start and end of each of its train-round calls and the replica's
 * running total of gradient-computation time. A round's wall time runs from one call's start to the
 * next's; of it, <em>compute</em> is the minibatches' forward and backward, <em>in train-round</em> the
 * rest of the call (applying the sums and the SGD update, emitting the chunks, an epoch's evaluation and
 * checkpoint), and <em>outside</em> what Flink does between calls (moving and summing the chunks,
 * broadcasting the sums, waiting for the slowest slot at the superstep barrier). Keeps every round's three
 * parts for the medians it reports, and the last round's in the {@link TrainingProgress} gauges.
 */
public final class RoundClock {

    private final TrainingProgress progress;
    private final DescriptiveStatistics wall = new DescriptiveStatistics();
    private final DescriptiveStatistics compute = new DescriptiveStatistics();
    private final DescriptiveStatistics inside = new DescriptiveStatistics();
    private long start = -1;
    private long callNanos;
    private long computeNanos;
    private long computeTotalAtStart;

    public RoundClock(TrainingProgress progress) {
        this.progress = progress;
    }

    /** A train-round call starts; {@code computeTotal} is the replica's gradient time so far (ns). */
    public void started(long now, long computeTotal) {
        if (start >= 0) {
            double seconds = (now - start) / 1e9;
            wall.addValue(seconds);
            compute.addValue(computeNanos / 1e9);
            inside.addValue((callNanos - computeNanos) / 1e9);
            progress.roundSeconds = seconds;
            progress.computeSeconds = computeNanos / 1e9;
        }
        start = now;
        computeTotalAtStart = computeTotal;
    }

    /** The call ends. */
    public void ended(long now, long computeTotal) {
        callNanos = now - start;
        computeNanos = computeTotal - computeTotalAtStart;
    }

    /** Rounds timed so far (each needs the next call's start). */
    public long rounds() {
        return wall.getN();
    }

    /** One line of medians over the timed rounds: the round, its compute, the rest of train-round, and Flink's part. */
    public String summary(int slot) {
        double w = wall.getPercentile(50);
        double c = compute.getPercentile(50);
        double i = inside.getPercentile(50);
        return String.format(Locale.ROOT, "slot %d, %d rounds, median round %.3f s: compute %.3f s, rest of train-round"
                + " %.3f s (sums in, update, chunks out), outside %.3f s (Flink: exchange, sums, broadcast, barrier)",
                slot, wall.getN(), w, c, i, w - c - i);
    }
}
