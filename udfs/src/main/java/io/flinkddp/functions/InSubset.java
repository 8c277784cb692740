package io.flinkddp.functions;

import io.flinkddp.data.SplitImage;
import org.apache.flink.api.common.functions.FilterFunction;

/** drop-unused: keeps the images that train or validate (drops those outside --subset). */
public class InSubset implements FilterFunction<SplitImage> {
    @Override
    public boolean filter(SplitImage image) {
        return image.role != SplitImage.UNUSED;
    }
}
