package io.flinkddp.functions;

import io.flinkddp.data.ImageRef;
import org.apache.flink.api.common.functions.MapPartitionFunction;
import org.apache.flink.util.Collector;

/** count-images: the number of listed images in its partition (0 included), for the summary's {@code found}. */
public class CountImages implements MapPartitionFunction<ImageRef, Long> {

    @Override
    public void mapPartition(Iterable<ImageRef> images, Collector<Long> out) {
        long count = 0;
        for (ImageRef ignored : images) {
            count++;
        }
        out.collect(count);
    }
}
