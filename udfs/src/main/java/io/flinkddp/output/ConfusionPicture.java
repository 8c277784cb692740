package io.flinkddp.output;

import io.flinkddp.score.Evaluation;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;

/**
 * evaluate's {@code confusion.png}: the confusion matrix as a heat map drawn headless with XChart,
 * true classes up the side, predicted classes along the bottom, each cell showing its count. Only the
 * classes that have images or were predicted are drawn (a model with ImageNet's 1000 classes evaluated
 * on two breeds shows those and its mistakes); beyond {@value #MAX_CLASSES} such classes there is no
 * picture, the CSV has it all. Keeps nothing.
 */
public final class ConfusionPicture {

    public static final String FILE = "confusion.png";
    static final int MAX_CLASSES = 40;

    private ConfusionPicture() {
    }

    /** The PNG of {@code evaluation}'s matrix over {@code classNames}, or empty if more than {@value #MAX_CLASSES} classes occur. */
    public static Optional<byte[]> png(Evaluation evaluation, List<String> classNames) {
        List<Integer> shown = shownClasses(evaluation, classNames.size());
        if (shown.isEmpty() || shown.size() > MAX_CLASSES) {
            return Optional.empty();
        }
        List<String> names = shown.stream().map(classNames::get).toList();
        List<Number[]> cells = new ArrayList<>();
        for (int x = 0; x < shown.size(); x++) {
            for (int y = 0; y < shown.size(); y++) {
                cells.add(new Number[] {x, y, evaluation.count(shown.get(y), shown.get(x))});
            }
        }
        int side = Math.max(480, 160 + 36 * shown.size());
        HeatMapChart chart = new HeatMapChartBuilder().width(side + 120).height(side)
                .title("confusion: " + evaluation.images() + " images (rows: true class, columns: predicted)")
                .xAxisTitle("predicted class").yAxisTitle("true class").build();
        chart.getStyler().setShowValue(true);
        chart.getStyler().setRangeColors(new Color[] {Color.WHITE, new Color(0x9ecae1), new Color(0x08519c)});
        chart.getStyler().setMin(0);
        chart.getStyler().setMax(Math.max(1, cells.stream().mapToDouble(c -> c[2].doubleValue()).max().orElse(1)));
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setXAxisLabelRotation(45);
        chart.addSeries("images", names, names, cells);
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            BitmapEncoder.saveBitmap(chart, bytes, BitmapEncoder.BitmapFormat.PNG);
            return Optional.of(bytes.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode " + FILE + ": " + e.getMessage(), e);
        }
    }

    /** Classes with an image or a prediction, in index order. */
    static List<Integer> shownClasses(Evaluation evaluation, int classes) {
        return IntStream.range(0, classes).filter(c -> IntStream.range(0, classes)
                .anyMatch(o -> evaluation.count(c, o) > 0 || evaluation.count(o, c) > 0)).boxed().toList();
    }
}
