package io.flinkddp.train;

import org.apache.flink.api.common.aggregators.ConvergenceCriterion;

/** Ends the bulk iteration after the round in which the slots report the last epoch finished. */
public class TrainingFinished implements ConvergenceCriterion<RoundReport> {
    @Override
    public boolean isConverged(int superstep, RoundReport report) {
        return report.finished;
    }
}
