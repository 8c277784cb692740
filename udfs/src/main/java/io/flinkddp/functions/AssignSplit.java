package io.flinkddp.functions;

import io.flinkddp.config.TrainingSettings;
import io.flinkddp.data.ImageRef;
import io.flinkddp.data.SplitImage;
import io.flinkddp.data.SplitPlan;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.GroupReduceFunction;
import org.apache.flink.util.Collector;

/** split: sees every listed image (parallelism 1; paths only) and assigns role, slot and order ({@link SplitPlan}). */
public class AssignSplit implements GroupReduceFunction<ImageRef, SplitImage> {

    private final TrainingSettings settings;

    public AssignSplit(TrainingSettings settings) {
        this.settings = settings;
    }

    @Override
    public void reduce(Iterable<ImageRef> images, Collector<SplitImage> out) {
        List<ImageRef> all = new ArrayList<>();
        images.forEach(all::add);
        SplitPlan.assign(all, settings.seed(), settings.subsetFraction(), settings.trainFraction(), settings.slots())
                .forEach(out::collect);
    }
}
