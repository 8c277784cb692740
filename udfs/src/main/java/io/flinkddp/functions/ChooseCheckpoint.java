package io.flinkddp.functions;

import io.flinkddp.config.TrainingSettings;
import io.flinkddp.data.ListingSummary;
import io.flinkddp.output.Checkpoints;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.util.Collector;

/**
 * choose-checkpoint: picks, once per attempt and in one place, the checkpoint every slot resumes from:
 * the newest complete one under {@code <output>/checkpoints} that reads back intact
 * ({@link Checkpoints#newestIntact}). Input: the listing summary (it only orders this step after the
 * listing, so that it runs again with every attempt); output: the checkpoint's folder, or nothing for a
 * fresh start, broadcast to train-round as {@value Names#RESUME_FROM}.
 */
public class ChooseCheckpoint implements FlatMapFunction<ListingSummary, String> {

    private final TrainingSettings settings;

    public ChooseCheckpoint(TrainingSettings settings) {
        this.settings = settings;
    }

    @Override
    public void flatMap(ListingSummary listing, Collector<String> out) {
        new Checkpoints(settings.output()).newestIntact(settings).ifPresent(manifest -> out.collect(manifest.folder().toString()));
    }
}
