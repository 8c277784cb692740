package io.flinkddp.train;

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

    /** True for the payloads that live in the replica's gradient view (gradient, parameter move). */
    public boolean inGradientView() {
        return this != MOMENTUM;
    }
}
