package io.flinkddp.functions;

import org.apache.flink.api.common.functions.Partitioner;

/** Sends slot s's images to subtask s of train-round (whose parallelism is the slot count). */
public class BySlot implements Partitioner<Integer> {
    @Override
    public int partition(Integer slot, int numPartitions) {
        return slot % numPartitions;
    }
}
