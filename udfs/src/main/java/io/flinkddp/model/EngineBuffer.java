package io.flinkddp.model;

/**
 * The vectors a {@link ReplicaEngine} keeps for an attempt, each as long as the flattened parameter
 * vector ({@link ParamLayout#numParams}) and in its order.
 */
public enum EngineBuffer {
    /** The parameters, batch-norm running statistics included. */
    PARAMETERS,
    /** SGD's momentum buffer (zero on the statistics). */
    MOMENTUM,
    /** What the last minibatch computed: the gradient as a sum over its images (statistics: their deltas times the image count); an update rule may reuse it for what a slot sends. */
    GRADIENT,
    /** The round's all-slot sum that the step reads (or an accumulation's running sum). */
    SUM,
    /** Local steps: the all-slot sum of the momentum buffers. */
    MOMENTUM_SUM,
    /** Local steps: the parameters at the round's start. */
    ROUND_START
}
