package io.flinkddp.train;

import io.flinkddp.model.EngineBuffer;

/**
 * What the values of a {@link GradientChunk} are: a gradient summed over a slot's images (exact
 * gradient averaging), or, with local steps, a slot's parameter move or momentum buffer, each times its
 * image count. The {@link UpdateRule} decides which a round sends and how the sums are applied.
 */
public enum Payload {
    GRADIENT,
    PARAMETER_MOVE,
    MOMENTUM;

    private static final Payload[] ALL = values();

    static Payload of(int ordinal) {
        return ALL[ordinal];
    }

    /** The engine buffer a slot sends this payload from (the gradient buffer also carries a parameter move). */
    public EngineBuffer source() {
        return this == MOMENTUM ? EngineBuffer.MOMENTUM : EngineBuffer.GRADIENT;
    }

    /** The engine buffer the all-slot sum of this payload goes into. */
    public EngineBuffer sum() {
        return this == MOMENTUM ? EngineBuffer.MOMENTUM_SUM : EngineBuffer.SUM;
    }
}
