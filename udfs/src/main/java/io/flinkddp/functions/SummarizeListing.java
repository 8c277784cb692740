package io.flinkddp.functions;

import io.flinkddp.data.ClassLabels;
import io.flinkddp.data.ListingSummary;
import io.flinkddp.data.SplitImage;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.GroupReduceFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * summarize-listing: counts the split images per class and role, and stops the job before training
 * when the set cannot be used ({@link ListingSummary#validate}). Flink does not call a group-reduce
 * on empty input: when nothing was listed, the consumers find no summary ({@link ListingSummary#only}).
 */
public class SummarizeListing implements GroupReduceFunction<SplitImage, ListingSummary> {

    private static final Logger LOG = LoggerFactory.getLogger(SummarizeListing.class);

    private final String root;
    private final ClassLabels classes;
    private final int slots;

    public SummarizeListing(String root, ClassLabels classes, int slots) {
        this.root = root;
        this.classes = classes;
        this.slots = slots;
    }

    @Override
    public void reduce(Iterable<SplitImage> images, Collector<ListingSummary> out) {
        List<SplitImage> all = new ArrayList<>();
        images.forEach(all::add);
        ListingSummary summary = ListingSummary.of(all, classes.numClasses());
        summary.validate(root, classes, slots);
        List<String> empty = summary.emptyClasses(classes);
        if (!empty.isEmpty()) {
            LOG.warn("class folders without images under {}: {}", root, empty);
        }
        LOG.info("found {} images in {} class folders under {}: {} train, {} validation", summary.found, classes.folders().size(),
                root, summary.train, summary.validation);
        out.collect(summary);
    }
}
