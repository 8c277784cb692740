package io.flinkddp.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Where the batch-norm running statistics sit in a network's flattened parameter (and gradient)
 * vector. DL4J stores them as parameters ({@code mean} and {@code var} or {@code log10stdev}); their
 * "gradient" entries are deltas applied as they are, not trained, so the SGD step treats them apart.
 */
public final class ParamLayout {

    private final long numParams;
    private final List<long[]> statisticRanges;
    private final long trainedFrom;

    private ParamLayout(long numParams, List<long[]> statisticRanges, long trainedFrom) {
        this.numParams = numParams;
        this.statisticRanges = List.copyOf(statisticRanges);
        this.trainedFrom = trainedFrom;
    }

    public static ParamLayout of(ComputationGraph net) {
        return of(net, Set.of());
    }

    /** With {@code frozen} layers, which must come first in the vector (a network's leading stages do). */
    public static ParamLayout of(ComputationGraph net, Set<String> frozen) {
        INDArray flat = net.params();
        List<long[]> ranges = new ArrayList<>();
        long frozenEnd = 0;
        long trainedFrom = flat.length();
        for (Layer layer : net.getLayers()) {
            String name = layer.conf().getLayer().getLayerName();
            for (INDArray view : layer.paramTable().values()) {
                long start = view.offset() - flat.offset();
                if (frozen.contains(name)) {
                    frozenEnd = Math.max(frozenEnd, start + view.length());
                } else {
                    trainedFrom = Math.min(trainedFrom, start);
                }
            }
            if (!(layer instanceof BatchNormalization)) {
                continue;
            }
            for (String key : List.of(BatchNormalizationParamInitializer.GLOBAL_MEAN,
                    BatchNormalizationParamInitializer.GLOBAL_VAR, BatchNormalizationParamInitializer.GLOBAL_LOG_STD)) {
                INDArray view = layer.paramTable().get(key);
                if (view != null) {
                    long start = view.offset() - flat.offset();
                    ranges.add(new long[] {start, start + view.length()});
                }
            }
        }
        if (frozenEnd > trainedFrom) {
            throw new IllegalArgumentException("frozen layers must lead the parameter vector: " + frozen);
        }
        return new ParamLayout(flat.length(), ranges, frozen.isEmpty() ? 0 : trainedFrom);
    }

    /** Where the trained parameters start: everything before belongs to frozen layers, which are never updated or sent. */
    public long trainedFrom() {
        return trainedFrom;
    }

    public long numParams() {
        return numParams;
    }

    /** [start, end) of each batch-norm running statistic in the flattened vector. */
    public List<long[]> statisticRanges() {
        return statisticRanges;
    }

    /** Parameters that SGD trains: all but the batch-norm running statistics (what PyTorch counts). */
    public long trainableParams() {
        return numParams - statisticRanges.stream().mapToLong(r -> r[1] - r[0]).sum();
    }
}
