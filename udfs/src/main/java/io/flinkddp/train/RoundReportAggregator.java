package io.flinkddp.train;

import org.apache.flink.api.common.aggregators.Aggregator;

/** Flink's per-superstep all-reduce of the slots' {@link RoundReport}s. */
public class RoundReportAggregator implements Aggregator<RoundReport> {

    private RoundReport aggregate = new RoundReport();

    @Override
    public RoundReport getAggregate() {
        return aggregate;
    }

    @Override
    public void aggregate(RoundReport element) {
        aggregate.add(element);
    }

    @Override
    public void reset() {
        aggregate = new RoundReport();
    }
}
