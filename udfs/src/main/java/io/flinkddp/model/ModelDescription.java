package io.flinkddp.model;

import java.util.List;
import java.util.Optional;

/**
 * The network an engine runs, as plain data: its ops in topological order, each with its inputs, its
 * shape attributes and where its parameters sit in the flattened vector ({@link ParamLayout}). Built
 * once from the DL4J network ({@link Dl4jDescription}); loads without ND4J, so an engine that does not
 * use ND4J (the GPU engine) reads the same description.
 *
 * @param input the name of the network's input (images, NCHW, 3 channels)
 * @param numClasses the classifier's width
 */
public record ModelDescription(String input, List<Op> ops, ParamLayout layout, int numClasses) {

    public ModelDescription {
        ops = List.copyOf(ops);
    }

    /** What an op computes (all in NCHW float32). */
    public enum Kind {
        /** Square kernel, stride and padding, no dilation; with a bias and a ReLU where {@link Op#relu} says so. */
        CONVOLUTION,
        /** As torch.nn.BatchNorm2d: batch statistics in training, running ones in inference. */
        BATCH_NORM,
        RELU,
        /** Square window; padding never wins. */
        MAX_POOL,
        /** The sum of two inputs (a residual connection). */
        ADD,
        GLOBAL_AVG_POOL,
        /** logits = h W + b, trained with softmax cross-entropy. */
        CLASSIFIER
    }

    /**
     * One parameter tensor: DL4J's key ({@code W}, {@code b}, {@code gamma}, {@code beta}, {@code mean},
     * {@code var}), its first entry in the flattened vector, its shape and its order there ('c' or 'f':
     * the classifier's W is [in, out] in 'f' order).
     */
    public record Param(String key, long offset, List<Long> shape, char order) {

        public Param {
            shape = List.copyOf(shape);
        }

        public long length() {
            return shape.stream().mapToLong(Long::longValue).reduce(1, (a, b) -> a * b);
        }
    }

    /**
     * One op. {@code kernel}, {@code stride}, {@code pad} apply to convolutions and pooling,
     * {@code outChannels} to convolutions and the classifier, {@code eps} and {@code momentum} (torch's:
     * running = (1 - m) running + m batch) to batch norm. A frozen op runs in inference mode and gets no gradient.
     */
    public record Op(String name, Kind kind, List<String> inputs, int kernel, int stride, int pad, int outChannels,
                     boolean relu, double eps, double momentum, boolean frozen, List<Param> params) {

        public Op {
            inputs = List.copyOf(inputs);
            params = List.copyOf(params);
        }

        /** [from, to) of this op's parameters in the flattened vector (they are contiguous), if it has any. */
        public Optional<long[]> range() {
            if (params.isEmpty()) {
                return Optional.empty();
            }
            long from = params.stream().mapToLong(Param::offset).min().orElseThrow();
            long to = params.stream().mapToLong(p -> p.offset() + p.length()).max().orElseThrow();
            return Optional.of(new long[] {from, to});
        }

        public Optional<Param> param(String key) {
            return params.stream().filter(p -> p.key().equals(key)).findFirst();
        }
    }

    /**
     * The torchvision {@code state_dict} name of an op's parameter: batch norm's {@code gamma, beta, mean,
     * var} are {@code weight, bias, running_mean, running_var}, the others' {@code W, b} are {@code weight,
     * bias}. The memory is torch's as it is: a convolution's W is [out, in, k, k] in 'c' order and the
     * classifier's W [in, out] in 'f' order, which is torch's [out, in] in 'c' order.
     */
    public static String torchName(Op op, Param param) {
        String key = switch (param.key()) {
            case "W", "gamma" -> "weight";
            case "b", "beta" -> "bias";
            case "mean" -> "running_mean";
            case "var" -> "running_var";
            default -> throw new IllegalArgumentException(op.name() + ": parameter " + param.key() + " has no torchvision name");
        };
        return op.name() + "." + key;
    }

    public Op op(String name) {
        return ops.stream().filter(o -> o.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no op " + name));
    }
}
