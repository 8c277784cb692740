package io.flinkddp.model;

import java.util.List;

/**
 * Where things sit in a replica's flattened parameter (and gradient) vector, in DL4J's order: its
 * length, the batch-norm running statistics ({@code mean} and {@code var}), whose "gradient" entries
 * are deltas applied as they are, not trained, and where the trained parameters start (frozen layers,
 * {@code --freeze}, lead the vector and are neither trained nor sent). Plain data, no ND4J: built by
 * {@link Dl4jDescription} from a network.
 */
public record ParamLayout(long numParams, List<long[]> statisticRanges, long trainedFrom) {

    public ParamLayout {
        statisticRanges = List.copyOf(statisticRanges);
        if (trainedFrom < 0 || trainedFrom > numParams) {
            throw new IllegalArgumentException("trained parameters start at " + trainedFrom + " of " + numParams);
        }
    }

    /** Parameters that SGD trains: all but the batch-norm running statistics (what PyTorch counts). */
    public long trainableParams() {
        return numParams - statisticRanges.stream().mapToLong(r -> r[1] - r[0]).sum();
    }

    /** Whether entry {@code index} is a batch-norm running statistic. */
    public boolean isStatistic(long index) {
        return statisticRanges.stream().anyMatch(r -> r[0] <= index && index < r[1]);
    }
}
