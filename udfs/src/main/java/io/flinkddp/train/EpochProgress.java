package io.flinkddp.train;

import java.util.Locale;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * How far the epoch in progress is and how long the rest will take, from this epoch's rate. Goes in,
 * once per round: the all-slot images of the step applied in it ({@link #applied}), and the clock
 * reading at which an epoch began ({@link #epochStarted}); comes out: an {@link Estimate} (images done,
 * images per second, seconds left in the epoch and in the run, the remaining epochs taken at this
 * epoch's rate, validation included as far as it fell in this epoch's time) and, at most every
 * {@code lineEveryNanos} of the clock and never in an epoch's first {@code lineEveryNanos}, a log line.
 *
 * <p>Keeps the images done and the start of the epoch in progress, and when the last line was given.
 * The clock is injected (nanoseconds, as {@link System#nanoTime}) so that tests control time.
 */
public final class EpochProgress {

    /** What the estimate says; {@code NaN} where not known yet (no image done, or the epoch size unknown). */
    public record Estimate(int epoch, int epochs, long imagesDone, long imagesPerEpoch, double imagesPerSecond,
                           double epochSecondsLeft, double runSecondsLeft) {

        public String logLine() {
            return String.format(Locale.ROOT, "epoch %d/%d: %d/%d images, %.1f img/s, %s left in the epoch, %s in the run",
                    epoch, epochs, imagesDone, imagesPerEpoch, imagesPerSecond, duration(epochSecondsLeft),
                    duration(runSecondsLeft));
        }
    }

    private final LongSupplier clockNanos;
    private final long lineEveryNanos;
    private long epochStartNanos;
    private long lastLineNanos;
    private long imagesDone;

    /** A tracker whose first epoch starts now. */
    public EpochProgress(LongSupplier clockNanos, long lineEveryNanos) {
        this.clockNanos = clockNanos;
        this.lineEveryNanos = lineEveryNanos;
        epochStarted(clockNanos.getAsLong());
    }

    public long now() {
        return clockNanos.getAsLong();
    }

    /** Resumed mid-epoch: {@code images} images of it took {@code elapsedSeconds} before the checkpoint. */
    public void resume(long images, double elapsedSeconds) {
        imagesDone = images;
        epochStartNanos = now() - (long) (elapsedSeconds * 1e9);
    }

    /** An epoch began at {@code atNanos}: nothing of it is done yet. */
    public void epochStarted(long atNanos) {
        epochStartNanos = atNanos;
        lastLineNanos = atNanos;
        imagesDone = 0;
    }

    /** A step of {@code images} images (over all slots) was applied. */
    public void applied(long images) {
        imagesDone += images;
    }

    /**
     * The estimate now, for {@code epoch} (1-based, in progress) of {@code epochs} epochs of
     * {@code imagesPerEpoch} images (0 when not known yet).
     */
    public Estimate estimate(int epoch, int epochs, long imagesPerEpoch) {
        double seconds = (now() - epochStartNanos) / 1e9;
        if (imagesDone <= 0 || imagesPerEpoch <= 0 || seconds <= 0) {
            return new Estimate(epoch, epochs, imagesDone, imagesPerEpoch, Double.NaN, Double.NaN, Double.NaN);
        }
        double rate = imagesDone / seconds;
        double epochLeft = Math.max(0, imagesPerEpoch - imagesDone) / rate;
        double runLeft = epochLeft + Math.max(0, epochs - epoch) * (imagesPerEpoch / rate);
        return new Estimate(epoch, epochs, imagesDone, imagesPerEpoch, rate, epochLeft, runLeft);
    }

    /**
     * The line to log now, if one is due: at least {@code lineEveryNanos} after the epoch began and
     * after the last line, with the estimate known and the epoch's images not all done yet.
     */
    public Optional<String> line(Estimate estimate) {
        long now = now();
        if (now - lastLineNanos < lineEveryNanos || Double.isNaN(estimate.imagesPerSecond())
                || estimate.imagesDone() >= estimate.imagesPerEpoch()) {
            return Optional.empty();
        }
        lastLineNanos = now;
        return Optional.of(estimate.logLine());
    }

    /** {@code 75} as "1 min 15 s", {@code 3725} as "1 h 02 min", NaN as "?". */
    static String duration(double seconds) {
        if (!Double.isFinite(seconds)) {
            return "?";
        }
        long s = Math.round(seconds);
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%d h %02d min", s / 3600, (s % 3600) / 60);
    }
}
