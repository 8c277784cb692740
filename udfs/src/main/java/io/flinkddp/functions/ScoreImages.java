package io.flinkddp.functions;

import io.flinkddp.config.ScoringSettings;
import io.flinkddp.model.Engines;
import io.flinkddp.model.GpuResources;
import io.flinkddp.model.SlotEngine;
import io.flinkddp.model.weights.ModelFile;
import io.flinkddp.score.ImageToScore;
import io.flinkddp.score.ScoredImage;
import io.flinkddp.score.Scorer;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.RichMapPartitionFunction;
import org.apache.flink.util.Collector;

/**
 * score-images (parallelism {@code --slots}): one model replica per subtask, loaded from
 * {@code --model} into an engine ({@link Engines#forScoring}) at the partition's first image and closed
 * when it ends, scores its images in batches of {@code --batch-size} in inference mode ({@link Scorer})
 * and emits each image's top {@code k}. Keeps nothing between calls; the engine lives for one call of mapPartition.
 */
public class ScoreImages extends RichMapPartitionFunction<ImageToScore, ScoredImage> {

    private final ScoringSettings settings;
    private final int k;

    public ScoreImages(ScoringSettings settings, int k) {
        this.settings = settings;
        this.k = k;
    }

    @Override
    public void mapPartition(Iterable<ImageToScore> images, Collector<ScoredImage> out) {
        SlotEngine engine = null;
        try {
            Scorer scorer = null;
            List<ImageToScore> batch = new ArrayList<>(settings.batchSizePerSlot());
            for (ImageToScore image : images) {
                if (scorer == null) {
                    engine = Engines.forScoring(ModelFile.load(settings.modelUri(), settings.cropPixels()), settings.cropPixels(),
                            settings.device(), settings.precision(),
                            GpuResources.indices(getRuntimeContext().getExternalResourceInfos(GpuResources.RESOURCE)));
                    scorer = new Scorer(engine.engine(), k);
                }
                batch.add(image);
                if (batch.size() == settings.batchSizePerSlot()) {
                    scorer.score(batch).forEach(out::collect);
                    batch.clear();
                }
            }
            if (!batch.isEmpty()) {
                scorer.score(batch).forEach(out::collect);
            }
        } finally {
            if (engine != null) {
                engine.close();
            }
        }
    }
}
