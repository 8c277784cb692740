package io.flinkddp.functions;

import io.flinkddp.config.RunFiles;
import io.flinkddp.config.ScoringSettings;
import io.flinkddp.output.ConfusionPicture;
import io.flinkddp.output.RunOutputs;
import io.flinkddp.score.Evaluation;
import io.flinkddp.score.ModelInfo;
import io.flinkddp.score.ScoredImage;
import io.flinkddp.score.ScoringSummary;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.flink.api.common.functions.RichMapPartitionFunction;
import org.apache.flink.util.Collector;

/**
 * write-evaluation (parallelism 1): adds every scored labelled image into an {@link Evaluation}, then
 * writes confusion.csv, confusion.png (up to {@link ConfusionPicture}'s class count) and, last, evaluation.json (the metrics and the counts, images found being the
 * broadcast {@value Names#IMAGES_LISTED} counts), each atomically. Emits the images evaluated. Keeps nothing.
 */
public class WriteEvaluation extends RichMapPartitionFunction<ScoredImage, Long> {

    private final ScoringSettings settings;
    private final ModelInfo model;
    private final long startMillis;

    public WriteEvaluation(ScoringSettings settings, ModelInfo model, long startMillis) {
        this.settings = settings;
        this.model = model;
        this.startMillis = startMillis;
    }

    @Override
    public void mapPartition(Iterable<ScoredImage> images, Collector<Long> out) {
        Evaluation evaluation = new Evaluation(model.classNames());
        images.forEach(evaluation::add);
        RunOutputs outputs = new RunOutputs(settings.output());
        outputs.writeAtomically(RunFiles.CONFUSION, stream -> stream.write(evaluation.confusionCsv().getBytes(StandardCharsets.UTF_8)));
        ConfusionPicture.png(evaluation, model.classNames()).ifPresent(png -> outputs.writeAtomically(ConfusionPicture.FILE, stream -> stream.write(png)));
        long found = ScoringSummary.total(getRuntimeContext().getBroadcastVariable(Names.IMAGES_LISTED));
        Map<String, Object> report = ScoringSummary.of(settings, model, found, evaluation.images(), startMillis);
        report.putAll(evaluation.metrics());
        outputs.writeLast(RunFiles.EVALUATION, report);
        out.collect(evaluation.images());
    }
}
