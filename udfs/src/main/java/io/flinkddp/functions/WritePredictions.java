package io.flinkddp.functions;

import io.flinkddp.config.RunFiles;
import io.flinkddp.config.ScoringSettings;
import io.flinkddp.output.RunOutputs;
import io.flinkddp.score.ModelInfo;
import io.flinkddp.score.PredictionLine;
import io.flinkddp.score.ScoredImage;
import io.flinkddp.score.ScoringSummary;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.functions.RichMapPartitionFunction;
import org.apache.flink.util.Collector;

/**
 * write-predictions (parallelism 1): streams the scored images, sorted by path, into
 * predictions.jsonl ({@link PredictionLine}), then writes summary.json with the counts (images found:
 * the broadcast {@value Names#IMAGES_LISTED} counts), each file atomically ({@link RunOutputs}).
 * Emits the number of lines written. Keeps nothing.
 */
public class WritePredictions extends RichMapPartitionFunction<ScoredImage, Long> {

    private final ScoringSettings settings;
    private final ModelInfo model;
    private final long startMillis;

    public WritePredictions(ScoringSettings settings, ModelInfo model, long startMillis) {
        this.settings = settings;
        this.model = model;
        this.startMillis = startMillis;
    }

    @Override
    public void mapPartition(Iterable<ScoredImage> images, Collector<Long> out) {
        RunOutputs outputs = new RunOutputs(settings.output());
        long[] lines = {0};
        outputs.writeAtomically(RunFiles.PREDICTIONS, stream -> {
            for (ScoredImage image : images) {
                stream.write((PredictionLine.of(image, model.classNames()) + "\n").getBytes(StandardCharsets.UTF_8));
                lines[0]++;
            }
        });
        long found = ScoringSummary.total(getRuntimeContext().getBroadcastVariable(Names.IMAGES_LISTED));
        outputs.writeLast(RunFiles.SUMMARY, ScoringSummary.of(settings, model, found, lines[0], startMillis));
        out.collect(lines[0]);
    }
}
