package io.flinkddp.model;

import io.flinkddp.model.kernels.CpuKernels;
import io.flinkddp.model.kernels.NativeGraph;
import io.flinkddp.train.Payload;
import java.nio.FloatBuffer;
import java.util.Set;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * One model replica and its optimizer state: the network, its flattened parameter and gradient
 * views, the SGD momentum buffer, and the {@link NativeGraph} that computes its steps and evaluations
 * on native ops (keeping the step's arrays for the next). It computes the gradient of a minibatch and applies a gradient
 * summed over all replicas, exactly as {@code torch.optim.SGD(momentum=m)} (heavy-ball, no dampening,
 * no weight decay) would apply the mean gradient of the combined batch.
 *
 * <p>Gradients leave a replica as sums over its images: trainable entries are per-minibatch sums
 * (DL4J's convention), and the batch-norm running-statistic deltas are multiplied by the image count. Dividing the
 * all-replica sum by the all-replica image count then gives the combined batch's mean gradient and the
 * sample-weighted average of the statistics deltas, so a ragged last batch weighs what it holds.
 */
public final class Replica {

    private final ComputationGraph net;
    private final ParamLayout layout;
    private final INDArray params;
    private final INDArray gradient;
    private final INDArray velocity;
    private final GradientSum sum;
    private final INDArray gradientSum;
    /** Scratch for {@code lr * v}, allocated once: the step allocates nothing per round. */
    private final INDArray scaledVelocity;
    /** Local steps only (allocated on first use): the parameters at the round's start, and the all-slot momentum sum. */
    private INDArray roundStart;
    private GradientSum momentumSum;
    /** Computes the steps and the evaluations on libnd4j's native ops, in the network's own parameters. */
    private final NativeGraph kernels;
    private long gradientNanos;

    public Replica(ComputationGraph net) {
        this(net, Set.of());
    }

    /** A replica whose {@code frozen} vertices are neither trained nor updated (see {@link NativeGraph}); they lead the parameter vector. */
    public Replica(ComputationGraph net, Set<String> frozen) {
        this.net = net;
        this.layout = ParamLayout.of(net, frozen);
        long n = layout.numParams();
        this.params = net.params().reshape(n);
        if (net.getFlattenedGradients() == null) {
            net.initGradientsView();
        }
        this.gradient = net.getFlattenedGradients().reshape(n);
        this.velocity = Nd4j.zeros(params.dataType(), n);
        this.sum = new GradientSum(params.dataType(), n);
        this.gradientSum = sum.values();
        this.scaledVelocity = Nd4j.zeros(params.dataType(), n);
        this.kernels = new NativeGraph(net, frozen);
    }

    /** Nanoseconds spent in {@link #computeGradient}'s forward and backward passes so far. */
    public long gradientNanos() {
        return gradientNanos;
    }

    public ComputationGraph network() {
        return net;
    }

    /** The native-op executor of the steps and evaluations (the benchmarks profile it). */
    public NativeGraph kernels() {
        return kernels;
    }

    public ParamLayout layout() {
        return layout;
    }

    public long numParams() {
        return layout.numParams();
    }

    /**
     * Computes the gradient of one minibatch into the gradient view (as a sum over the images, see the
     * class comment) and returns the loss and top-k counts of the forward pass.
     */
    public BatchStats computeGradient(INDArray features, INDArray oneHotLabels, int[] labels) {
        long start = System.nanoTime();
        INDArray logits = kernels.gradient(features, oneHotLabels);
        gradientNanos += System.nanoTime() - start;
        long samples = labels.length;
        for (long[] range : layout.statisticRanges()) {
            gradient.get(NDArrayIndex.interval(range[0], range[1])).muli(samples);
        }
        return BatchStats.ofLogits(logits.toFloatMatrix(), labels, true);
    }

    /** Copies {@code values.length} entries of what {@code payload} names, from {@code offset} on, into {@code values}. */
    public void copy(Payload payload, long offset, float[] values) {
        INDArray source = payload.inGradientView() ? gradient : velocity;
        FloatBuffer buffer = source.data().asNioFloat();
        buffer.position((int) (source.offset() + offset));
        buffer.get(values);
    }

    /** One slot alone: its own gradient (or parameter move and momentum) is the all-replica sum. */
    public void takeOwnWorkAsSums() {
        gradientSum.assign(gradient);
        if (momentumSum != null) {
            momentumSum.values().assign(velocity);
        }
    }

    /**
     * Gradient accumulation: adds the gradient of the last minibatch to the round's running sum, which
     * lives in the gradient-sum buffer (free while a round computes). Call {@link #clearAccumulated} before
     * the first minibatch and {@link #takeAccumulated} after the last.
     */
    public void accumulateGradient() {
        gradientSum.addi(gradient);
    }

    public void clearAccumulated() {
        gradientSum.assign(0);
    }

    /** Puts the accumulated sum where {@link #copy} reads the gradient. */
    public void takeAccumulated() {
        gradient.assign(gradientSum);
    }

    /** Local steps: remembers the parameters at the start of a round of local steps. */
    public void beginLocalSteps() {
        if (roundStart == null) {
            roundStart = params.dup();
            momentumSum = new GradientSum(params.dataType(), params.length());
        } else {
            roundStart.assign(params);
        }
    }

    /** Local steps: one SGD step of this replica alone with the gradient of its last minibatch of {@code samples} images. */
    public void applyLocalStep(long samples, double learningRate, double momentum) {
        gradientSum.assign(gradient);
        applyGradientSum(samples, learningRate, momentum);
    }

    /**
     * Local steps: puts this replica's share of the round's averages where {@link #copy} reads them
     * (parameter move, momentum): its parameter move since {@link #beginLocalSteps} and its
     * momentum buffer, each multiplied by the {@code samples} it trained on this round.
     */
    public void finishLocalSteps(long samples) {
        gradient.assign(roundStart).subi(params).muli(samples);
        velocity.muli(samples);
    }

    /**
     * Local steps: every replica takes the image-weighted averages of the round: parameters = start -
     * move sum / samples, momentum = momentum sum / samples.
     */
    public void applyAverages(long globalSamples) {
        params.assign(roundStart).subi(gradientSum.divi(globalSamples));
        velocity.assign(momentumSum.values().divi(globalSamples));
    }

    /**
     * Writes one chunk of the all-replica sum of what {@code payload} names: gradient or parameter move
     * into the sum {@link #applyGradientSum} and {@link #applyAverages} read, momentum into the momentum sum.
     */
    public void putSum(Payload payload, long offset, float[] values) {
        (payload.inGradientView() ? sum : momentumSum).put(offset, values);
    }

    /**
     * One SGD step with the gradient sum put by {@link #putSum}: mean over {@code globalSamples}
     * images, statistics deltas applied as they are, then {@code v = momentum * v + g; p -= lr * v}.
     */
    public void applyGradientSum(long globalSamples, double learningRate, double momentum) {
        for (long[] range : layout.statisticRanges()) {
            INDArray delta = gradientSum.get(NDArrayIndex.interval(range[0], range[1]));
            params.get(NDArrayIndex.interval(range[0], range[1])).subi(delta.divi(globalSamples));
            delta.assign(0);
        }
        if (CpuKernels.applies()) {
            CpuKernels.sgdStep(params, velocity, gradientSum, globalSamples, (float) learningRate, (float) momentum);
            return;
        }
        velocity.muli(momentum).addi(gradientSum.divi(globalSamples));
        params.subi(scaledVelocity.assign(velocity).muli(learningRate));
    }

    /**
     * Scores a batch in inference mode (batch-norm running statistics, as PyTorch's eval()). Loss and
     * top-k come from the logits, in double precision, so a confident mistake costs its true loss.
     */
    public BatchStats evaluate(INDArray features, int[] labels) {
        return BatchStats.ofLogits(kernels.logits(features).toFloatMatrix(), labels, true);
    }

    /** A copy of the parameters (batch-norm running statistics included), for a checkpoint. */
    public float[] parameters() {
        return params.toFloatVector();
    }

    /** A copy of the momentum buffer, for a checkpoint. */
    public float[] momentum() {
        return velocity.toFloatVector();
    }

    /** Puts parameters and momentum buffer back where a checkpoint left them. */
    public void restore(float[] parameters, float[] momentum) {
        if (parameters.length != numParams() || momentum.length != numParams()) {
            throw new IllegalArgumentException("the checkpoint holds " + parameters.length + " parameters, this network has "
                    + numParams() + ": it was written for another model or class count");
        }
        params.assign(Nd4j.createFromArray(parameters));
        velocity.assign(Nd4j.createFromArray(momentum));
    }

    /** A hash of every parameter bit: equal on two replicas exactly when their parameters are equal (up to collisions). */
    public long fingerprint() {
        FloatBuffer values = params.data().asNioFloat();
        long hash = 1125899906842597L;
        int end = (int) (params.offset() + params.length());
        for (int i = (int) params.offset(); i < end; i++) {
            hash = 31 * hash + Float.floatToRawIntBits(values.get(i));
        }
        return hash;
    }
}
