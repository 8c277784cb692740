package io.flinkddp.train;

import io.flinkddp.config.TrainingSettings;
import io.flinkddp.model.BatchStats;
import java.util.ArrayList;
import java.util.List;

/**
 * A slot's record of epochs: the finished epochs' metrics, the ReduceLROnPlateau schedule they drive,
 * the training sums and start time of the epoch in progress, and those of the epoch being evaluated
 * until the next round closes it. Publishes each closed epoch to the {@link TrainingProgress} gauges.
 */
final class EpochLedger {

    private final ReduceLrOnPlateau scheduler;
    private final TrainingProgress progress;
    private final List<EpochMetrics> history = new ArrayList<>();
    private BatchStats epochTrain = BatchStats.EMPTY;
    private BatchStats evaluatedTrain = BatchStats.EMPTY;
    private long epochStartNanos;
    private double evaluatedSeconds;

    /** A fresh ledger with the settings' ReduceLROnPlateau schedule. */
    EpochLedger(TrainingSettings settings, TrainingProgress progress) {
        this.scheduler = new ReduceLrOnPlateau(settings.learningRate(), settings.lrPatienceEpochs(), settings.lrFactor());
        this.progress = progress;
        progress.learningRate = scheduler.learningRate();
    }

    /** Puts the ledger back where a checkpoint left it. */
    void restore(TrainingState state) {
        scheduler.restore(state.learningRate(), state.bestValidationLoss(), state.badEpochs());
        epochTrain = state.epochTrain();
        epochStartNanos = System.nanoTime() - (long) (state.epochElapsedSeconds() * 1e9);
        history.addAll(state.history());
        progress.learningRate = scheduler.learningRate();
        if (!history.isEmpty()) {
            progress.epochClosed(history.get(history.size() - 1), scheduler.learningRate());
        }
    }

    void startEpoch() {
        epochStartNanos = System.nanoTime();
    }

    /** Adds the all-slot training sums of one applied step. */
    void addTrain(BatchStats round) {
        epochTrain = epochTrain.plus(round);
    }

    /** The epoch's steps are all applied and its validation was scored: its time ends here. */
    void evaluated() {
        evaluatedTrain = epochTrain;
        epochTrain = BatchStats.EMPTY;
        evaluatedSeconds = elapsedSeconds();
    }

    /** Records the evaluated epoch with its all-slot validation sums and steps the learning-rate schedule. */
    EpochMetrics close(int epoch, BatchStats validation) {
        EpochMetrics metrics = EpochMetrics.of(epoch, evaluatedTrain, validation, scheduler.learningRate(), evaluatedSeconds);
        history.add(metrics);
        progress.epochClosed(metrics, scheduler.step(metrics.valLoss()));
        return metrics;
    }

    double learningRate() {
        return scheduler.learningRate();
    }

    ReduceLrOnPlateau scheduler() {
        return scheduler;
    }

    BatchStats epochTrain() {
        return epochTrain;
    }

    double elapsedSeconds() {
        return (System.nanoTime() - epochStartNanos) / 1e9;
    }

    List<EpochMetrics> history() {
        return history;
    }
}
