package io.flinkddp.output;

import io.flinkddp.train.EpochMetrics;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Draws training curves as one PNG (headless AWT, XChart): two panels side by side, loss (log scale
 * when every loss is positive) and top-1 accuracy, each epoch's training value dashed and its
 * validation value solid. Goes in: one or more named runs, each its epochs' {@link EpochMetrics} (as
 * in {@code metrics.jsonl}); comes out: the PNG's bytes, {@value #WIDTH} x {@value #HEIGHT} pixels.
 * Every epoch whose learning rate is below the previous epoch's gets a vertical marker halfway
 * before it ({@link #learningRateDrops}), labelled with the new rate. Keeps nothing.
 */
public final class Curves {

    /** The file slot 0 rewrites under --output after every epoch. */
    public static final String FILE = "curves.png";
    public static final int WIDTH = 1200;
    public static final int HEIGHT = 480;

    private static final Color[] RUN_COLORS = {new Color(31, 119, 180), new Color(214, 39, 40), new Color(44, 160, 44),
        new Color(148, 103, 189), new Color(255, 127, 14), new Color(140, 86, 75), new Color(227, 119, 194),
        new Color(127, 127, 127), new Color(188, 189, 34), new Color(23, 190, 207)};

    /** One run's curves: its name (the legend's prefix; empty for a single run) and its epochs in order. */
    public record Run(String name, List<EpochMetrics> epochs) {
        public Run {
            epochs = List.copyOf(epochs);
        }
    }

    /** A learning-rate drop: the first epoch trained at the lower rate, the rate before and after. */
    public record LearningRateDrop(int epoch, double from, double to) {}

    private Curves() {}

    /** One run's curves, titled {@code title}. */
    public static byte[] png(String title, List<EpochMetrics> history) {
        return compare(title, List.of(new Run("", history)));
    }

    /** Several runs' curves in the same two panels, a colour per run. */
    public static byte[] compare(String title, List<Run> runs) {
        boolean several = runs.size() > 1;
        String xTitle = several ? "epoch (solid: validation, dashed: training)" : "epoch";
        XYChart loss = chart(title.isEmpty() ? "Loss" : title + ": loss", xTitle, "loss (cross-entropy)");
        XYChart top1 = chart(title.isEmpty() ? "Top-1 accuracy" : title + ": top-1 accuracy", xTitle, "top-1 accuracy");
        top1.getStyler().setYAxisDecimalPattern("0.00");
        if (several) { // one legend, an entry per run, where rising accuracies usually leave room; the colours hold for both panels
            loss.getStyler().setLegendVisible(false);
            top1.getStyler().setLegendLayout(Styler.LegendLayout.Vertical).setLegendPosition(Styler.LegendPosition.InsideSE);
        }
        boolean logLoss = true;
        double lossMax = 0;
        Set<String> taken = new HashSet<>();
        for (int r = 0; r < runs.size(); r++) {
            Run run = runs.get(r);
            Color color = RUN_COLORS[r % RUN_COLORS.length];
            String name = taken.add(run.name()) ? run.name() : run.name() + " #" + (r + 1); // XChart refuses a series name twice
            taken.add(name);
            String[] names = several ? new String[] {name + " train", name} : new String[] {"train", "validation"};
            logLoss &= addPair(loss, run.epochs(), names, !several, color, EpochMetrics::trainLoss, EpochMetrics::valLoss);
            addPair(top1, run.epochs(), names, !several, color, EpochMetrics::trainTop1, EpochMetrics::valTop1);
            for (EpochMetrics m : run.epochs()) {
                lossMax = Math.max(lossMax, finiteOr(Math.max(m.trainLoss(), m.valLoss()), 0));
            }
        }
        boolean log = logLoss && lossMax > 0;
        loss.getStyler().setYAxisLogarithmic(log);
        top1.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
        for (int r = 0; r < runs.size(); r++) {
            String who = runs.size() > 1 ? runs.get(r).name() + ": " : "";
            double lossY = lossMax <= 0 ? 1 : log ? lossMax * Math.pow(0.7, r) : lossMax * (1 - 0.05 * r);
            for (LearningRateDrop drop : learningRateDrops(runs.get(r).epochs())) {
                String label = String.format(Locale.ROOT, "%slr %.2g -> %.2g", who, drop.from(), drop.to());
                mark(loss, drop.epoch(), label, lossY);
                mark(top1, drop.epoch(), label, 0.97 - 0.05 * r);
            }
        }
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.drawImage(BitmapEncoder.getBufferedImage(loss), 0, 0, null);
            g.drawImage(BitmapEncoder.getBufferedImage(top1), WIDTH / 2, 0, null);
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "png", bytes)) {
                throw new IOException("no PNG writer");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode " + FILE + ": " + e.getMessage(), e);
        }
        return bytes.toByteArray();
    }

    /** The epochs (in order) whose learning rate is lower than the previous epoch's. */
    public static List<LearningRateDrop> learningRateDrops(List<EpochMetrics> history) {
        List<LearningRateDrop> drops = new ArrayList<>();
        for (int i = 1; i < history.size(); i++) {
            double before = history.get(i - 1).learningRate();
            double after = history.get(i).learningRate();
            if (after < before) {
                drops.add(new LearningRateDrop(history.get(i).epoch(), before, after));
            }
        }
        return drops;
    }

    private static XYChart chart(String title, String xTitle, String yTitle) {
        XYChart chart = new XYChartBuilder().width(WIDTH / 2).height(HEIGHT).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        Styler styler = chart.getStyler();
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setLegendPosition(Styler.LegendPosition.OutsideS);
        styler.setLegendLayout(Styler.LegendLayout.Horizontal);
        styler.setAntiAlias(true);
        chart.getStyler().setXAxisDecimalPattern("0").setXAxisTickMarkSpacingHint(60).setPlotGridLinesColor(new Color(225, 225, 225));
        chart.getStyler().setAnnotationLineColor(new Color(120, 120, 120)).setAnnotationTextFontColor(new Color(80, 80, 80));
        return chart;
    }

    /**
     * Adds a run's training (dashed) and validation (solid) series, named {@code names[0]} and {@code names[1]};
     * the training series in the legend if {@code trainInLegend}. False if a value was not positive (no log scale).
     */
    private static boolean addPair(XYChart chart, List<EpochMetrics> epochs, String[] names, boolean trainInLegend, Color color,
                                   ToDoubleFunction<EpochMetrics> train, ToDoubleFunction<EpochMetrics> validation) {
        boolean positive = add(chart, names[0], epochs, train, color, SeriesLines.DASH_DASH, trainInLegend);
        return add(chart, names[1], epochs, validation, color, SeriesLines.SOLID, true) && positive;
    }

    private static boolean add(XYChart chart, String name, List<EpochMetrics> epochs, ToDoubleFunction<EpochMetrics> value,
                               Color color, java.awt.BasicStroke line, boolean inLegend) {
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        boolean positive = true;
        for (EpochMetrics m : epochs) {
            double v = value.applyAsDouble(m);
            if (Double.isFinite(v)) {
                x.add((double) m.epoch());
                y.add(v);
                positive &= v > 0;
            }
        }
        if (x.isEmpty()) { // XChart refuses an empty series: a metric never finite is left out
            return positive;
        }
        XYSeries series = chart.addSeries(name, x, y);
        series.setLineColor(color);
        series.setMarkerColor(color);
        series.setLineStyle(line);
        series.setMarker(SeriesMarkers.CIRCLE);
        series.setShowInLegend(inLegend);
        return positive;
    }

    private static double finiteOr(double value, double otherwise) {
        return Double.isFinite(value) ? value : otherwise;
    }

    /** A vertical line halfway between the epoch before a drop and the first epoch at the new rate, with its label. */
    private static void mark(XYChart chart, int epoch, String label, double y) {
        chart.addAnnotation(new AnnotationLine(epoch - 0.5, true, false));
        chart.addAnnotation(new AnnotationText(label, epoch - 0.5, y, false));
    }
}
