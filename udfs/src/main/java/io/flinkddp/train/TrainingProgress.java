package io.flinkddp.train;

/**
 * Where a slot's training stands, written by its task thread every round and read by Flink's metric
 * system (gauges shown in the web UI and REST API) from other threads, hence volatile. Values not
 * known yet are NaN.
 */
public final class TrainingProgress {
    public volatile int epoch;
    public volatile int round;
    public volatile long roundsPerEpoch;
    public volatile double learningRate = Double.NaN;
    public volatile double trainLoss = Double.NaN;
    public volatile double valLoss = Double.NaN;
    public volatile double valTop1 = Double.NaN;
    public volatile double imagesPerSecond = Double.NaN;
    /** The last timed round's wall seconds and its gradient computation's ({@link RoundClock}). */
    public volatile double roundSeconds = Double.NaN;
    public volatile double computeSeconds = Double.NaN;
    /** Seconds the run has left, from the epoch in progress' rate ({@link EpochProgress}); 0 once finished. */
    public volatile double secondsLeft = Double.NaN;

    void epochClosed(EpochMetrics metrics, double nextLearningRate) {
        trainLoss = metrics.trainLoss();
        valLoss = metrics.valLoss();
        valTop1 = metrics.valTop1();
        imagesPerSecond = metrics.imagesPerSecond();
        learningRate = nextLearningRate;
    }
}
