package io.flinkddp.functions;

import io.flinkddp.train.GradientChunk;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.MapPartitionFunction;
import org.apache.flink.util.Collector;

/**
 * sum-gradients: receives, partitioned by chunk key, every slot's chunks of this round and emits one
 * sum per key (payload and index). Each parallel instance sums its own share of the keys (a
 * reduce-scatter), in memory and without sorting. The first chunk of a key becomes the running
 * sum: with object reuse off (Flink's default) it is this function's own deserialized copy. Sums are
 * computed in fp32 and sent back in the wire precision of the chunks they add.
 */
public class SumGradientChunks implements MapPartitionFunction<GradientChunk, GradientChunk> {

    @Override
    public void mapPartition(Iterable<GradientChunk> chunks, Collector<GradientChunk> out) {
        Map<Integer, GradientChunk> sums = new HashMap<>();
        for (GradientChunk chunk : chunks) {
            GradientChunk sum = sums.putIfAbsent(chunk.key(), chunk);
            if (sum != null) {
                add(sum.values, chunk.values);
            }
        }
        sums.values().forEach(sum -> out.collect(sum.withValues(sum.values)));
    }

    /** {@code sum += values}, element by element. */
    public static void add(float[] sum, float[] values) {
        if (sum.length != values.length) {
            throw new IllegalArgumentException("chunks of " + sum.length + " and " + values.length + " floats");
        }
        for (int i = 0; i < sum.length; i++) {
            sum[i] += values[i];
        }
    }
}
