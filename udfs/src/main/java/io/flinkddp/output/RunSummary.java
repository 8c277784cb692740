package io.flinkddp.output;

import io.flinkddp.config.TrainingSettings;
import io.flinkddp.data.ClassLabels;
import io.flinkddp.data.ListingSummary;
import io.flinkddp.train.EpochMetrics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The content of summary.json: settings, image counts, model size, final metrics and wall time. */
public final class RunSummary {

    private RunSummary() {
    }

    /**
     * @param decodedTrain      decoded training images over all slots (null in a dry run)
     * @param decodedValidation decoded validation images over all slots (null in a dry run)
     * @param history           the epochs' metrics (empty in a dry run)
     * @param resumedFromSteps  steps of the checkpoints the run resumed from, oldest first
     */
    public static Map<String, Object> of(TrainingSettings settings, ClassLabels classes, ListingSummary listing,
                                         Long decodedTrain, Long decodedValidation, long trainableParams,
                                         List<EpochMetrics> history, List<Long> resumedFromSteps, long startMillis) {
        Map<String, Object> images = new LinkedHashMap<>();
        images.put("found", listing.found);
        if (decodedTrain != null) {
            long decoded = decodedTrain + decodedValidation;
            images.put("decoded", decoded);
            images.put("skipped", listing.train + listing.validation - decoded);
            images.put("train", decodedTrain);
            images.put("val", decodedValidation);
        } else {
            images.put("decoded", null);
            images.put("skipped", null);
            images.put("train", listing.train);
            images.put("val", listing.validation);
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("settings", settings.asOptionMap());
        summary.put("images", images);
        summary.put("classes", classes.numClasses());
        summary.put("class_names", classes.folders());
        summary.put("class_labels", classes.labels());
        summary.put("empty_classes", listing.emptyClasses(classes));
        summary.put("trainable_params", trainableParams);
        summary.put("slots", settings.slots());
        summary.put("dry_run", settings.dryRun());
        summary.put("epochs_completed", history.size());
        summary.put("final_metrics", history.isEmpty() ? null : history.get(history.size() - 1).asJson());
        // Training fails if the replicas' fingerprints ever differ, so a written summary means they never did.
        summary.put("replicas_identical", settings.dryRun() ? null : true);
        summary.put("resumed_from_steps", resumedFromSteps);
        summary.put("wall_seconds", (System.currentTimeMillis() - startMillis) / 1000.0);
        return summary;
    }
}
