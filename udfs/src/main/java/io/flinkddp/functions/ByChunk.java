package io.flinkddp.functions;

import org.apache.flink.api.common.functions.Partitioner;

/** Spreads gradient chunks over the sum-gradients subtasks by chunk index, so each sums an equal share. */
public class ByChunk implements Partitioner<Integer> {
    @Override
    public int partition(Integer chunkIndex, int numPartitions) {
        return chunkIndex % numPartitions;
    }
}
