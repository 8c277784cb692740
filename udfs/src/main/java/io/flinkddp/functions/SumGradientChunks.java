package io.flinkddp.functions;

import io.flinkddp.train.GradientChunk;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.MapPartitionFunction;
import org.apache.flink.util.Collector;

/**
 * sum-gradients: receives, partitioned by chunk index, every slot's chunks of this round's gradient
 * and emits one sum per chunk index. Each parallel instance sums its own share of the indices (a
 * reduce-scatter), in memory and without sorting. The first chunk of an index becomes the running
 * sum: with object reuse off (Flink's default) it is this function's own deserialized copy. Sums are
 * computed in fp32 and sent back in the wire precision of the chunks they add.
 */
public class SumGradientChunks implements MapPartitionFunction<GradientChunk, GradientChunk> {

    @Override
    public void mapPartition(Iterable<GradientChunk> chunks, Collector<GradientChunk> out) {
        Map<Integer, GradientChunk> sums = new HashMap<>();
        for (GradientChunk chunk : chunks) {
            GradientChunk sum = sums.putIfAbsent(chunk.index, chunk);
            if (sum != null) {
                add(sum.values, chunk.values);
            }
        }
        sums.forEach((index, sum) -> out.collect(new GradientChunk(index, sum.values, sum.wire)));
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
