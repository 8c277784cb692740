package io.flinkddp.data;

import java.util.List;

/**
 * What the listing and the split found: images per class (by label), and how many train, validate or fall
 * outside the subset. {@link #validate} stops the job before training when the set cannot be used.
 * Flink POJO, broadcast to the training slots.
 */
public class ListingSummary {
    public long found;
    public long train;
    public long validation;
    public long[] imagesPerClass;

    public ListingSummary() {
    }

    public static ListingSummary of(List<SplitImage> images, int numClasses) {
        ListingSummary summary = new ListingSummary();
        summary.imagesPerClass = new long[numClasses];
        for (SplitImage image : images) {
            summary.found++;
            summary.imagesPerClass[image.label]++;
            if (image.role == SplitImage.TRAIN) {
                summary.train++;
            } else if (image.role == SplitImage.VALIDATION) {
                summary.validation++;
            }
        }
        return summary;
    }

    /**
     * The one summary of a summarize-listing output; none means nothing was listed.
     *
     * @throws InvalidDataException naming the root when no image was found
     */
    public static ListingSummary only(List<ListingSummary> summaries, String root, ClassLabels classes) {
        if (summaries.isEmpty()) {
            throw new InvalidDataException("no images (.jpg, .jpeg, .png) found under " + root
                    + " in its " + classes.folders().size() + " class folders");
        }
        return summaries.get(0);
    }

    /** The class folders without images. */
    public List<String> emptyClasses(ClassLabels classes) {
        return classes.emptyFolders(imagesPerClass);
    }

    /** @throws InvalidDataException when there are no images, fewer than two classes with images, or too few images for the slots */
    public void validate(String root, ClassLabels classes, int slots) {
        if (found == 0) {
            only(List.of(), root, classes);
        }
        long classesWithImages = classes.folders().size() - emptyClasses(classes).size();
        if (classesWithImages < 2) {
            throw new InvalidDataException("need images in at least two class folders under " + root
                    + ", found them in " + classesWithImages + " (empty: " + emptyClasses(classes) + ")");
        }
        if (train < slots || validation < slots) {
            throw new InvalidDataException("--slots " + slots + " is more than the shards have images: "
                    + train + " training and " + validation + " validation images under " + root
                    + " (every slot needs at least one of each)");
        }
    }
}
