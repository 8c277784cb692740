package io.flinkddp.data;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The class folders of an image set and the class label each folder's images get. In: the folders
 * sorted by name, and either nothing (each folder's label is its position, the classes are the folders)
 * or a label per folder within a larger class count (a {@code --class-index}: 1000 for ImageNet, each
 * folder its ImageNet index, no two folders one class). Out: the folders to list with their labels,
 * the classifier's class count, the folders without images, and {@code labels.txt}'s lines. Immutable;
 * serialized into the Flink functions that need it.
 */
public final class ClassLabels implements Serializable {

    private static final long serialVersionUID = 1L;

    private final ArrayList<String> folders;
    private final int[] labels;
    private final int numClasses;

    private ClassLabels(List<String> folders, int[] labels, int numClasses) {
        this.folders = new ArrayList<>(folders);
        this.labels = labels.clone();
        this.numClasses = numClasses;
    }

    /** Each folder (sorted by name) its own class: label = position, as torchvision's ImageFolder. */
    public static ClassLabels ofFolders(List<String> folders) {
        return new ClassLabels(folders, IntStream.range(0, folders.size()).toArray(), folders.size());
    }

    /**
     * Folder {@code i} labelled {@code labels[i]}, of {@code numClasses} classes.
     *
     * @throws IllegalArgumentException if a label is out of range or two folders share one
     */
    public static ClassLabels mapped(List<String> folders, int[] labels, int numClasses) {
        if (labels.length != folders.size()) {
            throw new IllegalArgumentException(labels.length + " labels for " + folders.size() + " folders");
        }
        boolean[] taken = new boolean[numClasses];
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses || taken[labels[i]]) {
                throw new IllegalArgumentException("folder " + folders.get(i) + ": label " + labels[i] + " is outside [0, "
                        + numClasses + ") or another folder's");
            }
            taken[labels[i]] = true;
        }
        return new ClassLabels(folders, labels, numClasses);
    }

    /** The class folders, sorted by name. */
    public List<String> folders() {
        return List.copyOf(folders);
    }

    /** The classifier's class count: the folders', or the class index's. */
    public int numClasses() {
        return numClasses;
    }

    /** The label of folder {@code folder} (its position in {@link #folders}). */
    public int label(int folder) {
        return labels[folder];
    }

    /** The labels of the folders, in the folders' order. */
    public int[] labels() {
        return labels.clone();
    }

    /** The folders with their labels, as the listing takes them. */
    public List<ClassFolder> classFolders() {
        List<ClassFolder> list = new ArrayList<>();
        for (int i = 0; i < folders.size(); i++) {
            list.add(new ClassFolder(labels[i], folders.get(i)));
        }
        return list;
    }

    /** The folders whose class has no image, in the folders' order; {@code imagesPerClass} is indexed by label. */
    public List<String> emptyFolders(long[] imagesPerClass) {
        List<String> empty = new ArrayList<>();
        for (int i = 0; i < folders.size(); i++) {
            if (imagesPerClass[labels[i]] == 0) {
                empty.add(folders.get(i));
            }
        }
        return empty;
    }

    /** {@code labels.txt}: a line "label TAB folder" per folder, by label. */
    public String labelLines() {
        StringBuilder text = new StringBuilder();
        IntStream.range(0, folders.size()).boxed().sorted(Comparator.comparingInt(i -> labels[i]))
                .forEach(i -> text.append(labels[i]).append('\t').append(folders.get(i)).append('\n'));
        return text.toString();
    }

    @Override
    public String toString() {
        return "ClassLabels" + folders + Arrays.toString(labels) + " of " + numClasses;
    }
}
