package io.flinkddp.functions;

import org.apache.flink.api.common.functions.Partitioner;

/** Spreads gradient chunks over the sum-gradients subtasks by chunk key, so each sums an equal share. */
public class ByChunk implements Partitioner<Integer> {
    @Override
    public int partition(Integer chunkKey, int numPartitions) {
        return chunkKey % numPartitions;
    }
}
