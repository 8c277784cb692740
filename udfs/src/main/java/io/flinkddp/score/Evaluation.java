package io.flinkddp.score;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sums over labelled scored images that evaluate reports: image count, summed loss, top-1 and
 * top-5 hits, and the confusion matrix (true class by predicted class, the most probable one). In:
 * {@link ScoredImage}s, one at a time. Out: {@link #metrics} (loss, top-1, top-5, per-class precision
 * and recall; null where a class has no image or no prediction) and {@link #confusionCsv}. Keeps only
 * the sums and the classes x classes counts.
 */
public final class Evaluation {

    private final List<String> classNames;
    private final long[][] confusion;
    private long images;
    private double lossSum;
    private long top1;
    private long top5;

    public Evaluation(List<String> classNames) {
        this.classNames = classNames;
        this.confusion = new long[classNames.size()][classNames.size()];
    }

    public void add(ScoredImage image) {
        if (image.label < 0) {
            throw new IllegalArgumentException(image.relativePath + " has no class: evaluate scores labelled images only");
        }
        images++;
        lossSum += image.loss;
        top1 += image.truthRank < 1 ? 1 : 0;
        top5 += image.truthRank < 5 ? 1 : 0;
        confusion[image.label][image.classes[0]]++;
    }

    public long images() {
        return images;
    }

    public long count(int trueClass, int predictedClass) {
        return confusion[trueClass][predictedClass];
    }

    /** {@code loss} (mean cross-entropy), {@code top1}, {@code top5} and {@code per_class}; the rates are null without images. */
    public Map<String, Object> metrics() {
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("loss", images == 0 ? null : lossSum / images);
        metrics.put("top1", images == 0 ? null : (double) top1 / images);
        metrics.put("top5", images == 0 ? null : (double) top5 / images);
        List<Map<String, Object>> perClass = new ArrayList<>();
        for (int c = 0; c < classNames.size(); c++) {
            long truth = 0;
            long predicted = 0;
            for (int other = 0; other < classNames.size(); other++) {
                truth += confusion[c][other];
                predicted += confusion[other][c];
            }
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("index", c);
            entry.put("class", classNames.get(c));
            entry.put("images", truth);
            entry.put("predicted", predicted);
            entry.put("precision", predicted == 0 ? null : (double) confusion[c][c] / predicted);
            entry.put("recall", truth == 0 ? null : (double) confusion[c][c] / truth);
            perClass.add(entry);
        }
        metrics.put("per_class", perClass);
        return metrics;
    }

    /** A header row {@code true\predicted,<class names>}, then one row per true class: its name and its counts per predicted class. */
    public String confusionCsv() {
        StringBuilder csv = new StringBuilder("true\\predicted");
        classNames.forEach(name -> csv.append(',').append(csvField(name)));
        csv.append('\n');
        for (int c = 0; c < classNames.size(); c++) {
            csv.append(csvField(classNames.get(c)));
            for (long count : confusion[c]) {
                csv.append(',').append(count);
            }
            csv.append('\n');
        }
        return csv.toString();
    }

    private static String csvField(String text) {
        return text.contains(",") || text.contains("\"") ? '"' + text.replace("\"", "\"\"") + '"' : text;
    }
}
