package io.flinkddp.train;

import io.flinkddp.model.BatchStats;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** One epoch's results over all slots: one line of metrics.jsonl and of the log. */
public record EpochMetrics(int epoch, double trainLoss, double trainTop1, double valLoss, double valTop1,
                           double valTop5, double learningRate, double imagesPerSecond, double seconds) {

    public static EpochMetrics of(int epoch, BatchStats train, BatchStats validation, double learningRate, double seconds) {
        return new EpochMetrics(epoch,
                train.lossSum() / Math.max(1, train.samples()),
                (double) train.top1() / Math.max(1, train.samples()),
                validation.lossSum() / Math.max(1, validation.samples()),
                (double) validation.top1() / Math.max(1, validation.samples()),
                (double) validation.top5() / Math.max(1, validation.samples()),
                learningRate,
                train.samples() / Math.max(seconds, 1e-9),
                seconds);
    }

    /** Keys as in metrics.jsonl. */
    public Map<String, Object> asJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("epoch", epoch);
        json.put("train_loss", trainLoss);
        json.put("train_top1", trainTop1);
        json.put("val_loss", valLoss);
        json.put("val_top1", valTop1);
        json.put("val_top5", valTop5);
        json.put("lr", learningRate);
        json.put("images_per_second", imagesPerSecond);
        json.put("seconds", seconds);
        return json;
    }

    /** One line of metrics.jsonl read back ({@link #asJson}'s keys); a missing or null number reads as NaN. */
    public static EpochMetrics fromJson(Map<String, ?> json) {
        return new EpochMetrics((int) number(json, "epoch"), number(json, "train_loss"), number(json, "train_top1"),
                number(json, "val_loss"), number(json, "val_top1"), number(json, "val_top5"), number(json, "lr"),
                number(json, "images_per_second"), number(json, "seconds"));
    }

    private static double number(Map<String, ?> json, String key) {
        Object value = json.get(key);
        if (value instanceof Number n) {
            return n.doubleValue();
        }
        if ("epoch".equals(key)) {
            throw new IllegalArgumentException("no epoch number in " + json);
        }
        return Double.NaN;
    }

    public String logLine(int epochs) {
        return String.format(Locale.ROOT,
                "epoch %d/%d  train loss %.4f top1 %.3f  |  val loss %.4f top1 %.3f top5 %.3f  |  lr %.2g  |  %.1f img/s  %.1f s",
                epoch, epochs, trainLoss, trainTop1, valLoss, valTop1, valTop5, learningRate, imagesPerSecond, seconds);
    }
}
