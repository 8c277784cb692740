package io.flinkddp.model.kernels;

import io.flinkddp.model.Holds;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Runs a DL4J {@link ComputationGraph}'s training step and inference on libnd4j's native ops (oneDNN on
 * CPU, cuDNN on GPU: {@link NativeOps}) instead of DL4J's layers. The graph's configuration says what
 * to compute, its flattened parameter vector holds the weights and its flattened gradient view receives
 * the gradients, in DL4J's layout and meaning (sums over the minibatch; batch-norm running statistics
 * get the deltas to subtract), so the network, its model.zip and its parameter layout stay DL4J's.
 *
 * <p>Memory: a training forward keeps only what the backward reads (a convolution's and a batch norm's
 * input, a ReLU's output, which it computes in place over a batch norm's or a sum's output), each freed
 * as soon as the backward is past it; inference frees each activation once its consumers have run.
 * Keeps nothing between calls but the plan.
 */
public final class NativeGraph {

    private final String input;
    private final List<GraphNode> nodes = new ArrayList<>();
    private final Map<String, Integer> consumers = new HashMap<>();
    private final Set<String> inPlace = new HashSet<>();
    private final ClassifierNode classifier;
    private final Set<String> frozen;
    private final ArrayPool pool = new ArrayPool();
    /** During a step: how many consumers or backward passes still hold each activation. */
    private final Holds<INDArray> holds = new Holds<>();
    private INDArray features;
    /** Told each node's name once its backward has run (its gradient entries are final). */
    private Consumer<String> backwardDone = name -> { };
    /** When set ({@link #profileInto}): nanoseconds per node kind, {forward, backward}. */
    private Map<String, long[]> profile;

    public NativeGraph(ComputationGraph net) {
        this(net, Set.of());
    }

    /**
     * With {@code frozen} vertices: they run in inference mode in training too (batch norm on its running
     * statistics, which stay as they are, as torch's {@code eval()} on them), keep nothing, and the
     * backward stops before them, so their gradient entries stay as they were (zero).
     */
    public NativeGraph(ComputationGraph net, Set<String> frozen) {
        this.frozen = Set.copyOf(frozen);
        ComputationGraphConfiguration conf = net.getConfiguration();
        if (conf.getNetworkInputs().size() != 1 || conf.getNetworkOutputs().size() != 1) {
            throw new IllegalArgumentException("only graphs with one input and one output run natively");
        }
        this.input = conf.getNetworkInputs().get(0);
        Map<String, GraphNode> byName = new HashMap<>();
        for (int index : net.topologicalSortOrder()) {
            String name = net.getVertices()[index].getVertexName();
            if (name.equals(input)) {
                continue;
            }
            List<String> in = conf.getVertexInputs().get(name);
            GraphNode node = node(name, in, conf.getVertices().get(name), net.getLayer(name));
            in.forEach(i -> consumers.merge(i, 1, Integer::sum));
            node.pool = pool;
            nodes.add(node);
            byName.put(name, node);
        }
        if (!(nodes.get(nodes.size() - 1) instanceof ClassifierNode last)) {
            throw new IllegalArgumentException("the graph's last vertex must be a softmax output layer");
        }
        this.classifier = last;
        for (GraphNode node : nodes) {
            GraphNode producer = byName.get(node.inputs[0]);
            boolean overwrites = node instanceof GraphNode.Relu || node instanceof GraphNode.Add;
            if (overwrites && producer != null && !producer.backwardReadsOutput() && consumers.get(node.inputs[0]) == 1) {
                inPlace.add(node.name);
            }
        }
    }

    /**
     * One training step on a minibatch: forward in training mode, backward, gradients into the network's
     * gradient view. Returns the logits [n, classes] of the forward pass.
     */
    public INDArray gradient(INDArray features, INDArray oneHotLabels) {
        INDArray logits = forward(features, true);
        INDArray dLogits = Transforms.softmax(logits, true).subi(oneHotLabels);
        Map<String, INDArray> grads = new HashMap<>();
        grads.put(classifier.name, dLogits);
        for (int i = nodes.size() - 1; i >= 0; i--) {
            GraphNode node = nodes.get(i);
            if (frozen.contains(node.name)) {
                continue;
            }
            INDArray dOut = grads.remove(node.name);
            long t0 = System.nanoTime();
            INDArray[] dIn = node.backward(dOut);
            charge(node, 1, t0);
            if (dIn[0] != dOut && (dIn.length < 2 || dIn[1] != dOut)) {
                free(dOut);
            }
            node.kept().forEach(this::drop);
            node.release();
            backwardDone.accept(node.name);
            for (int j = 0; j < dIn.length; j++) {
                if (node.inputs[j].equals(input) || frozen.contains(node.inputs[j])) {
                    free(dIn[j]);
                } else {
                    INDArray existing = grads.putIfAbsent(node.inputs[j], dIn[j]);
                    if (existing != null) {
                        existing.addi(dIn[j]);
                        free(dIn[j]);
                    }
                }
            }
        }
        holds.clear();
        this.features = null;
        pool.endStep();
        return logits;
    }

    /** The logits of an inference-mode forward pass (batch norm with its running statistics). */
    public INDArray logits(INDArray features) {
        INDArray logits = forward(features, false);
        holds.clear();
        this.features = null;
        pool.endStep();
        return logits;
    }

    private INDArray forward(INDArray features, boolean training) {
        holds.clear();
        this.features = features;
        Map<String, INDArray> values = new HashMap<>();
        values.put(input, features);
        INDArray out = null;
        for (GraphNode node : nodes) {
            INDArray[] in = new INDArray[node.inputs.length];
            for (int j = 0; j < in.length; j++) {
                in[j] = values.get(node.inputs[j]);
            }
            long t0 = System.nanoTime();
            boolean trains = training && !frozen.contains(node.name);
            out = node.forward(in, trains, inPlace.contains(node.name));
            charge(node, 0, t0);
            values.put(node.name, out);
            hold(out, consumers.getOrDefault(node.name, 0));
            if (trains) {
                node.kept().forEach(k -> hold(k, 1));
            }
            for (INDArray a : in) {
                drop(a);
            }
        }
        return out;
    }

    /** Calls {@code done} with each node's name right after its backward (reverse topological order). */
    public void afterBackward(Consumer<String> done) {
        this.backwardDone = done;
    }

    /** Frees the arrays kept for the next step. */
    public void release() {
        pool.release();
    }

    /** Bytes of native arrays kept for the next step. */
    public long heldBytes() {
        return pool.heldBytes();
    }

    /** Adds the time of every later forward and backward, per node kind, to {@code nanos} (for the benchmarks' profile). */
    public void profileInto(Map<String, long[]> nanos) {
        this.profile = nanos;
    }

    private void charge(GraphNode node, int phase, long start) {
        if (profile != null) {
            profile.computeIfAbsent(node.getClass().getSimpleName(), k -> new long[2])[phase] += System.nanoTime() - start;
        }
    }

    private void hold(INDArray a, int count) {
        if (a != features) {
            holds.add(a, count);
        }
    }

    private void drop(INDArray a) {
        if (holds.drop(a)) {
            free(a);
        }
    }

    /** Gives an array back to the pool for the next step, rather than to the garbage collector. */
    private void free(INDArray a) {
        pool.give(a);
    }

    private static GraphNode node(String name, List<String> in, GraphVertex vertex, Layer layer) {
        if (vertex instanceof ElementWiseVertex sum && sum.getOp() == ElementWiseVertex.Op.Add) {
            return new GraphNode.Add(name, in);
        }
        if (!(vertex instanceof LayerVertex)) {
            throw new IllegalArgumentException(name + ": vertex " + vertex.getClass().getSimpleName() + " does not run natively");
        }
        org.deeplearning4j.nn.conf.layers.Layer conf = layer.conf().getLayer();
        Map<String, INDArray> grads = conf.initializer().getGradientsFromFlattened(layer.conf(), layer.getGradientsViewArray());
        if (conf instanceof ConvolutionLayer conv && conv.getConvolutionMode() != ConvolutionMode.Same) {
            return new ConvNode(name, in, conv, layer, grads);
        }
        if (conf instanceof BatchNormalization bn) {
            return new BatchNormNode(name, in, bn, layer, grads);
        }
        if (conf instanceof ActivationLayer relu) {
            return new GraphNode.Relu(name, in, relu);
        }
        if (conf instanceof SubsamplingLayer pool && pool.getPoolingType() == PoolingType.MAX
                && pool.getConvolutionMode() != ConvolutionMode.Same) {
            return new GraphNode.MaxPool(name, in, pool.getKernelSize(), pool.getStride(), pool.getPadding());
        }
        if (conf instanceof GlobalPoolingLayer pool && pool.getPoolingType() == PoolingType.AVG) {
            return new GraphNode.GlobalAvgPool(name, in);
        }
        if (conf instanceof OutputLayer out && out.getLossFn() instanceof LossMCXENT
                && out.getActivationFn() instanceof ActivationSoftmax) {
            return new ClassifierNode(name, in, layer, grads);
        }
        throw new IllegalArgumentException(name + ": layer " + conf.getClass().getSimpleName() + " (as configured) does not run natively");
    }
}
