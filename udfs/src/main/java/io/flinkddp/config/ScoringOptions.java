package io.flinkddp.config;

import static io.flinkddp.config.Option.atLeast;

import java.util.List;
import java.util.Optional;

/**
 * The options of predict and evaluate: the {@link CommonOptions} (described for scoring; resize and
 * crop default to the model's own) plus the model, its class names and, for predict, how many classes
 * each image lists. Mixed into {@link ScoringSettings}.
 */
public interface ScoringOptions extends CommonOptions {

    /** {@link #CLASS_NAMES}'s value for "no file". */
    String NONE = "none";

    Option<String> MODEL = Option.text("model",
            "The model (file://, s3://, hdfs://): a run's model.zip, with its labels.txt (class names) and summary.json (resize and"
                    + " crop) beside it, or a torchvision state_dict saved by torch.save (.pth: resnet50, resize 256, crop 224).", null)
            .check(v -> !v.isBlank(), "is required");
    Option<String> CLASS_NAMES = Option.text("class-names",
            "Class names instead of the model's labels.txt: lines index<TAB>name as labels.txt, or any file --class-index"
                    + " reads (the seed's imagenet1000_clsidx_to_labels.txt, 'wnid names' lines, one name per line)."
                    + " none: labels.txt beside a model.zip, the class indices for a .pth.", NONE)
            .check(v -> !v.isBlank(), "must be a URI or none");
    Option<Integer> TOP_K = Option.integer("top-k", "Classes listed per image in predictions.jsonl, most probable first.", 5)
            .check(atLeast(1), "must be at least 1");

    Option<String> SCORED_DATA = DATA.describedAs(
            "Images to score (file://, s3://, hdfs://): every .jpg, .jpeg and .png below it, in any folder tree.", null);
    Option<String> LABELLED_DATA = DATA.describedAs(
            "Labelled images (file://, s3://, hdfs://): one folder per class, named as the model's classes (labels.txt).", null);
    Option<String> SCORING_OUTPUT = OUTPUT.describedAs("Where the results and summary.json go.", null);
    Option<Integer> SCORING_SLOTS = SLOTS.describedAs("Scoring operators, one model replica each: the parallelism of score-images.",
            String.valueOf(SLOTS.defaultValue()));
    Option<Integer> SCORING_BATCH = BATCH_SIZE.describedAs("Images per slot per forward pass.", String.valueOf(BATCH_SIZE.defaultValue()));
    Option<Integer> SCORING_RESIZE = RESIZE.describedAs(
            "Shorter image side after resizing; default: the model's (auto, crop x 8/7, when only --crop is given).", "the model's");
    Option<Integer> SCORING_CROP = CROP.describedAs("Side of the center crop fed to the network; default: the model's.", "the model's");

    List<Option<?>> PREDICT = List.of(MODEL, SCORED_DATA, SCORING_OUTPUT, SCORING_SLOTS, SCORING_BATCH, SCORING_RESIZE, SCORING_CROP,
            TOP_K, CLASS_NAMES, DEVICE, PRECISION, HELP);
    List<Option<?>> EVALUATE = List.of(MODEL, LABELLED_DATA, SCORING_OUTPUT, SCORING_SLOTS, SCORING_BATCH, SCORING_RESIZE, SCORING_CROP,
            CLASS_NAMES, DEVICE, PRECISION, HELP);

    default String modelUri() {
        return get(MODEL);
    }

    /** The URI of {@link #CLASS_NAMES}, empty when the model's own names (or indices) apply. */
    default Optional<String> classNamesUri() {
        String uri = get(CLASS_NAMES);
        return uri.equals(NONE) ? Optional.empty() : Optional.of(uri);
    }

    default int topK() {
        return get(TOP_K);
    }
}
