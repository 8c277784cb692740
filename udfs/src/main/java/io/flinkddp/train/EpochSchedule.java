package io.flinkddp.train;

/**
 * Which step belongs to which epoch: pure arithmetic. An epoch is one pass over the largest training
 * shard, {@code roundsPerEpoch} = ceil(largest shard / (batch x minibatches per round)) rounds, one
 * step each; epoch e (0-based) holds steps [e x roundsPerEpoch, + roundsPerEpoch). Before the first
 * round's reports the length is unknown (0): only step 0 is known, as round 0 of epoch 0.
 */
public record EpochSchedule(long roundsPerEpoch, int epochs, int batchSizePerSlot, int minibatchesPerRound) {

    public static EpochSchedule unknown(int epochs, int batchSizePerSlot, int minibatchesPerRound) {
        return new EpochSchedule(0, epochs, batchSizePerSlot, minibatchesPerRound);
    }

    /** The schedule once the largest training shard is known. */
    public EpochSchedule withLargestShard(long largestTrainShard) {
        long imagesPerRound = (long) batchSizePerSlot * minibatchesPerRound;
        return new EpochSchedule((largestTrainShard + imagesPerRound - 1) / imagesPerRound, epochs, batchSizePerSlot,
                minibatchesPerRound);
    }

    public boolean known() {
        return roundsPerEpoch > 0;
    }

    /** The epoch (0-based) of {@code step}. */
    public int epochOf(long step) {
        return known() ? (int) (step / roundsPerEpoch) : 0;
    }

    /** The position of {@code step} within its epoch (0-based). */
    public int roundOfEpoch(long step) {
        return known() ? (int) (step % roundsPerEpoch) : 0;
    }

    /** The epoch (1-based) that {@code stepsApplied} steps complete, or 0 if they end none. */
    public int epochEndedAfter(long stepsApplied) {
        return known() && stepsApplied > 0 && stepsApplied % roundsPerEpoch == 0 ? (int) (stepsApplied / roundsPerEpoch) : 0;
    }

    /** Whether {@code step} is one to train (false past the last epoch). */
    public boolean trains(long step) {
        return !known() || step < epochs * roundsPerEpoch;
    }

    /**
     * Positions [from, to) in the epoch's order of a shard of {@code shardSize} training images that
     * minibatch {@code minibatch} of {@code step} trains on; empty (from >= to) when the shard has run out.
     */
    public int[] window(long step, int minibatch, int shardSize) {
        long from = ((long) roundOfEpoch(step) * minibatchesPerRound + minibatch) * batchSizePerSlot;
        long to = Math.min(from + batchSizePerSlot, shardSize);
        return new int[] {(int) Math.min(from, shardSize), (int) to};
    }
}
