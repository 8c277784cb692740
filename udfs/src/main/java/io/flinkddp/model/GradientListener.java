package io.flinkddp.model;

/**
 * Told by a {@link ReplicaEngine}'s backward pass each time a range of the gradient is final, in
 * reverse layer order, so that a round can start sending chunks before the backward ends. The ranges
 * of one backward are disjoint and together cover the trained parameters [{@link ParamLayout#trainedFrom},
 * {@link ParamLayout#numParams}).
 */
@FunctionalInterface
public interface GradientListener {

    GradientListener NONE = (from, to) -> { };

    /** Entries [{@code from}, {@code to}) of {@link EngineBuffer#GRADIENT} hold their final values for this minibatch. */
    void gradientFinal(long from, long to);
}
