package io.flinkddp.functions;

import io.flinkddp.config.RunFiles;
import io.flinkddp.config.TrainingSettings;
import io.flinkddp.data.ClassLabels;
import io.flinkddp.data.ListingSummary;
import io.flinkddp.model.Dl4jDescription;
import io.flinkddp.model.Networks;
import io.flinkddp.output.RunOutputs;
import io.flinkddp.output.RunSummary;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.MapPartitionFunction;
import org.apache.flink.util.Collector;

/** write-summary (dry run, parallelism 1): builds the model (to count it) and writes summary.json; nothing is trained. */
public class WriteDryRunSummary implements MapPartitionFunction<ListingSummary, ListingSummary> {

    private final TrainingSettings settings;
    private final ClassLabels classes;
    private final long startMillis;

    public WriteDryRunSummary(TrainingSettings settings, ClassLabels classes, long startMillis) {
        this.settings = settings;
        this.classes = classes;
        this.startMillis = startMillis;
    }

    @Override
    public void mapPartition(Iterable<ListingSummary> summaries, Collector<ListingSummary> out) {
        List<ListingSummary> all = new ArrayList<>();
        summaries.forEach(all::add);
        ListingSummary listing = ListingSummary.only(all, settings.data(), classes);
        long trainable = Dl4jDescription.layout(Networks.build(settings, classes.numClasses())).trainableParams();
        RunOutputs outputs = new RunOutputs(settings.output());
        outputs.writeLabels(classes);
        outputs.writeLast(RunFiles.SUMMARY, RunSummary.of(settings, classes, listing, null, null, trainable, List.of(), List.of(), startMillis));
        out.collect(listing);
    }
}
