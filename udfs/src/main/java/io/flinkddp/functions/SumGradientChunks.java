package io.flinkddp.functions;

import io.flinkddp.train.GradientChunk;
import org.apache.flink.api.common.functions.ReduceFunction;

/** sum-gradients: adds two slots' chunks with the same index into a new chunk (inputs stay untouched). */
public class SumGradientChunks implements ReduceFunction<GradientChunk> {
    @Override
    public GradientChunk reduce(GradientChunk a, GradientChunk b) {
        float[] sum = new float[a.values.length];
        for (int i = 0; i < sum.length; i++) {
            sum[i] = a.values[i] + b.values[i];
        }
        return new GradientChunk(a.index, sum);
    }
}
