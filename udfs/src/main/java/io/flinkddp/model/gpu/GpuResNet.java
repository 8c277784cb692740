package io.flinkddp.model.gpu;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * torchvision's ResNet50 (bottleneck blocks 3, 4, 6, 3, the stride on the 3x3 convolution as in v1.5) trained
 * on one GPU: the forward in training mode, mean-free softmax cross-entropy, the backward and the SGD step, all
 * queued on the device's stream, every op on cuDNN, cuBLAS or {@link GpuKernels}.
 *
 * <p>Keeps for its whole life, in GPU memory: every trainable tensor in one allocation ({@link #parameters}),
 * their gradients in a second and the momentum in a third, all three in torchvision's {@code state_dict} order;
 * the batch-norm running statistics in a fourth; the convolution plans of each batch shape; the activations of
 * a step in an {@link ActivationPool} (a training forward keeps what the backward reads: each convolution's and
 * batch norm's input and each ReLU's output, and each is given back once the backward is past it). The gradient
 * of a step is the sum over its images (the loss summed, not averaged), as the CPU engine's; the SGD step divides
 * by the image count. {@link #close} frees everything.
 */
public final class GpuResNet implements AutoCloseable {

    private static final int[] BLOCKS = {3, 4, 6, 3};
    private static final int[] WIDTHS = {64, 128, 256, 512};
    private static final int EXPANSION = 4;
    private static final double BN_MOMENTUM = 0.1;
    private static final double BN_EPS = 1e-5;
    private static final float[] MEAN = {0.485f, 0.456f, 0.406f};
    private static final float[] STD = {0.229f, 0.224f, 0.225f};

    /** What a state_dict entry is, and where it lives. */
    public enum Kind { TRAINABLE, RUNNING_MEAN, RUNNING_VAR, COUNTER }

    /** One state_dict entry: its torchvision name, shape, kind and offset (in floats) in its allocation. */
    public record Entry(String name, long[] shape, Kind kind, long offset) {
        public long size() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private final GpuDevice device;
    private final int classes;
    private final GpuKernels kernels;
    private final ConvolutionPlans plans;
    private final ActivationPool pool;
    private final Classifier classifier;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final DeviceArray parameters;
    private final DeviceArray gradients;
    private final DeviceArray momentum;
    private final DeviceArray statistics;
    private final Conv stem;
    private final Norm stemNorm;
    private final List<Block> blocks = new ArrayList<>();
    private final Map<String, BatchNorm> norms = new HashMap<>();
    private long trainableFloats;
    private long statisticFloats;
    private long stepsTaken;
    private DeviceArray labels;
    private DeviceArray losses;
    private int labelsCapacity;

    public GpuResNet(GpuDevice device, int classes, Precision precision) {
        this(device, classes, precision, true);
    }

    /** The state_dict entries of a resnet50 with {@code classes} classes, in torchvision's order, without a GPU. */
    public static List<Entry> layout(int classes) {
        return new GpuResNet(null, classes, Precision.FP32, false).entries();
    }

    private GpuResNet(GpuDevice device, int classes, Precision precision, boolean allocate) {
        this.device = device;
        this.classes = classes;
        this.kernels = allocate ? new GpuKernels(device) : null;
        this.plans = allocate ? new ConvolutionPlans(device, precision) : null;
        this.pool = allocate ? new ActivationPool(device) : null;
        this.classifier = allocate ? new Classifier(device, kernels) : null;
        this.stem = conv("conv1", 3, 64, 7, 2);
        this.stemNorm = norm("bn1", 64);
        int in = 64;
        for (int stage = 0; stage < BLOCKS.length; stage++) {
            for (int b = 0; b < BLOCKS[stage]; b++) {
                String name = "layer" + (stage + 1) + "." + b;
                int width = WIDTHS[stage];
                int stride = b == 0 && stage > 0 ? 2 : 1;
                Block block = new Block();
                block.conv1 = conv(name + ".conv1", in, width, 1, 1);
                block.bn1 = norm(name + ".bn1", width);
                block.conv2 = conv(name + ".conv2", width, width, 3, stride);
                block.bn2 = norm(name + ".bn2", width);
                block.conv3 = conv(name + ".conv3", width, width * EXPANSION, 1, 1);
                block.bn3 = norm(name + ".bn3", width * EXPANSION);
                if (b == 0) {
                    block.downConv = conv(name + ".downsample.0", in, width * EXPANSION, 1, stride);
                    block.downNorm = norm(name + ".downsample.1", width * EXPANSION);
                }
                blocks.add(block);
                in = width * EXPANSION;
            }
        }
        add("fc.weight", new long[] {classes, in}, Kind.TRAINABLE);
        add("fc.bias", new long[] {classes}, Kind.TRAINABLE);
        this.parameters = allocate ? device.floats(trainableFloats) : null;
        this.gradients = allocate ? device.floats(trainableFloats).zero() : null;
        this.momentum = allocate ? device.floats(trainableFloats).zero() : null;
        this.statistics = allocate ? device.floats(statisticFloats) : null;
    }

    private Entry add(String name, long[] shape, Kind kind) {
        long offset = switch (kind) {
            case TRAINABLE -> trainableFloats;
            case RUNNING_MEAN, RUNNING_VAR -> statisticFloats;
            case COUNTER -> 0;
        };
        Entry e = new Entry(name, shape, kind, offset);
        entries.put(name, e);
        if (kind == Kind.TRAINABLE) {
            trainableFloats += e.size();
        } else if (kind != Kind.COUNTER) {
            statisticFloats += e.size();
        }
        return e;
    }

    private Conv conv(String name, int in, int out, int k, int stride) {
        return new Conv(add(name + ".weight", new long[] {out, in, k, k}, Kind.TRAINABLE), in, out, k, stride, (k - 1) / 2);
    }

    private Norm norm(String name, int channels) {
        Norm n = new Norm();
        n.channels = channels;
        n.gamma = add(name + ".weight", new long[] {channels}, Kind.TRAINABLE);
        n.beta = add(name + ".bias", new long[] {channels}, Kind.TRAINABLE);
        n.mean = add(name + ".running_mean", new long[] {channels}, Kind.RUNNING_MEAN);
        n.var = add(name + ".running_var", new long[] {channels}, Kind.RUNNING_VAR);
        add(name + ".num_batches_tracked", new long[0], Kind.COUNTER);
        return n;
    }

    /** The state_dict entries in torchvision's order. */
    public List<Entry> entries() {
        return List.copyOf(entries.values());
    }

    public int classes() {
        return classes;
    }

    public long trainableFloats() {
        return trainableFloats;
    }

    /** Sets the state_dict entries given (trainable tensors, running statistics, the step counter) from host values. */
    public void load(Map<String, float[]> values) {
        for (Map.Entry<String, float[]> v : values.entrySet()) {
            Entry e = entries.get(v.getKey());
            if (e == null) {
                throw new IllegalArgumentException("no tensor " + v.getKey() + " in a resnet50 with " + classes + " classes");
            }
            if (e.kind() == Kind.COUNTER) {
                stepsTaken = (long) v.getValue()[0];
                continue;
            }
            if (v.getValue().length != e.size()) {
                throw new IllegalArgumentException(v.getKey() + " has " + v.getValue().length + " values, a resnet50 with " + classes
                        + " classes needs " + e.size());
            }
            storage(e).slice(e.offset(), e.size()).upload(v.getValue());
        }
    }

    /** Every state_dict entry's values (the counter as one float), copied down. */
    public Map<String, float[]> state() {
        float[] trainable = parameters.download();
        float[] stats = statistics.download();
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Entry e : entries.values()) {
            out.put(e.name(), switch (e.kind()) {
                case TRAINABLE -> java.util.Arrays.copyOfRange(trainable, (int) e.offset(), (int) (e.offset() + e.size()));
                case RUNNING_MEAN, RUNNING_VAR -> java.util.Arrays.copyOfRange(stats, (int) e.offset(), (int) (e.offset() + e.size()));
                case COUNTER -> new float[] {stepsTaken};
            });
        }
        return out;
    }

    /** The trainable tensors' gradients of the last step (sums over its images), by name. */
    public Map<String, float[]> gradients() {
        float[] all = gradients.download();
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Entry e : entries.values()) {
            if (e.kind() == Kind.TRAINABLE) {
                out.put(e.name(), java.util.Arrays.copyOfRange(all, (int) e.offset(), (int) (e.offset() + e.size())));
            }
        }
        return out;
    }

    public long stepsTaken() {
        return stepsTaken;
    }

    private DeviceArray storage(Entry e) {
        return e.kind() == Kind.TRAINABLE ? parameters : statistics;
    }

    private DeviceArray param(Entry e) {
        return parameters.slice(e.offset(), e.size());
    }

    private DeviceArray grad(Entry e) {
        return gradients.slice(e.offset(), e.size());
    }

    private DeviceArray stat(Entry e) {
        return statistics.slice(e.offset(), e.size());
    }

    /**
     * One training step's forward and backward on {@code images} uint8 images (n x side x side x RGB, already on
     * the device) with their {@code labels}: the running statistics move, the gradients (sums over the images)
     * replace the last ones. Returns the per-image losses (copied down, which waits for the step).
     */
    public double[] gradient(DeviceArray images, int[] imageLabels, int side) {
        int n = imageLabels.length;
        ensureLabels(n);
        labels.upload(imageLabels);
        DeviceArray x = pool.take((long) n * 3 * side * side);
        float[] scale = new float[3];
        float[] shift = new float[3];
        for (int c = 0; c < 3; c++) {
            scale[c] = 1f / (255f * STD[c]);
            shift[c] = -MEAN[c] / STD[c];
        }
        kernels.normalize(images, x, n, side, scale, shift);
        Tensor input = new Tensor(x, n, 3, side, side);

        // stem: conv, batch norm, ReLU, max pool
        Tensor c = stem.forward(input);
        Tensor a = stemNorm.forwardTraining(c);
        relu(a);
        int ph = (a.h + 2 - 3) / 2 + 1;
        int pw = (a.w + 2 - 3) / 2 + 1;
        Tensor pooled = new Tensor(pool.take((long) n * 64 * ph * pw), n, 64, ph, pw);
        DeviceArray argmax = pool.take(pooled.size());
        kernels.maxPoolForward(a.data, pooled.data, argmax, n * 64, a.h, a.w, 3, 2, 1);

        Tensor out = pooled;
        for (Block block : blocks) {
            out = block.forward(out);
        }
        // head: mean pool, classifier, loss
        int features = out.c;
        DeviceArray meanPooled = pool.take((long) n * features);
        kernels.meanPoolForward(out.data, meanPooled, n * features, out.h * out.w);
        Entry fcW = entries.get("fc.weight");
        Entry fcB = entries.get("fc.bias");
        DeviceArray logits = pool.take((long) n * classes);
        classifier.forward(meanPooled, param(fcW), param(fcB), logits, n, features, classes);
        DeviceArray dLogits = pool.take((long) n * classes);
        kernels.softmaxCrossEntropy(logits, labels, dLogits, losses, n, classes, 1f);
        pool.give(logits);

        DeviceArray dPooled = pool.take((long) n * features);
        classifier.backward(meanPooled, param(fcW), dLogits, dPooled, grad(fcW), grad(fcB), n, features, classes);
        pool.give(dLogits);
        pool.give(meanPooled);
        Tensor dOut = new Tensor(pool.take(out.size()), n, out.c, out.h, out.w);
        kernels.meanPoolBackward(dPooled, dOut.data, n * features, out.h * out.w);
        pool.give(dPooled);

        for (int i = blocks.size() - 1; i >= 0; i--) {
            dOut = blocks.get(i).backward(dOut);
        }
        // stem backward: max pool, ReLU, batch norm, convolution (no input gradient)
        Tensor dA = new Tensor(pool.take(a.size()), n, a.c, a.h, a.w);
        kernels.maxPoolBackward(dOut.data, argmax, dA.data, n * 64, a.h, a.w, 3, 2, 1);
        pool.give(dOut.data);
        pool.give(argmax);
        pool.give(pooled.data);
        kernels.reluBackward(a.data, dA.data, dA.data, dA.size());
        pool.give(a.data);
        Tensor dC = stemNorm.backward(c, dA);
        pool.give(dA.data);
        stem.backwardFilter(input, dC);
        pool.give(c.data);
        pool.give(dC.data);
        pool.give(x);
        stepsTaken++;
        return losses.downloadDoubles(n);
    }

    /** {@code v = momentum v + g / images; p -= lr v} over every trainable tensor, with the gradients in place. */
    public void sgdStep(long images, float learningRate, float momentumFactor) {
        kernels.sgdStep(parameters, momentum, gradients, trainableFloats, images, learningRate, momentumFactor);
    }

    private void ensureLabels(int n) {
        if (labels == null || labelsCapacity < n) {
            if (labels != null) {
                labels.close();
                losses.close();
            }
            labels = device.allocate(4L * n);
            losses = device.allocate(8L * n);
            labelsCapacity = n;
        }
    }

    private void relu(Tensor t) {
        kernels.reluForward(t.data, t.data, t.size());
    }

    @Override
    public void close() {
        device.synchronize();
        pool.close();
        plans.close();
        norms.values().forEach(BatchNorm::close);
        for (DeviceArray d : new DeviceArray[] {parameters, gradients, momentum, statistics, labels, losses}) {
            if (d != null) {
                d.close();
            }
        }
        kernels.close();
    }

    /** An activation: pooled memory and its NCHW shape. */
    private static final class Tensor {
        final DeviceArray data;
        final int n;
        final int c;
        final int h;
        final int w;

        Tensor(DeviceArray data, int n, int c, int h, int w) {
            this.data = data;
            this.n = n;
            this.c = c;
            this.h = h;
            this.w = w;
        }

        long size() {
            return (long) n * c * h * w;
        }
    }

    /** A convolution without bias: its weights' entry and geometry; the plan comes per batch shape. */
    private final class Conv {
        final Entry weight;
        final int in;
        final int out;
        final int k;
        final int stride;
        final int pad;

        Conv(Entry weight, int in, int out, int k, int stride, int pad) {
            this.weight = weight;
            this.in = in;
            this.out = out;
            this.k = k;
            this.stride = stride;
            this.pad = pad;
        }

        Convolution plan(Tensor x) {
            return plans.plan(new ConvShape(x.n, in, x.h, x.w, out, k, k, stride, pad));
        }

        Tensor forward(Tensor x) {
            Convolution plan = plan(x);
            ConvShape s = plan.shape();
            Tensor y = new Tensor(pool.take(s.outputFloats()), x.n, out, s.outH(), s.outW());
            plan.forward(x.data, param(weight), y.data);
            return y;
        }

        /** The input's gradient into a fresh array, or added into {@code into} when given. */
        Tensor backwardData(Tensor x, Tensor dy, Tensor into) {
            Tensor dx = into != null ? into : new Tensor(pool.take(x.size()), x.n, x.c, x.h, x.w);
            plan(x).backwardData(param(weight), dy.data, dx.data, into != null);
            return dx;
        }

        void backwardFilter(Tensor x, Tensor dy) {
            plan(x).backwardFilter(x.data, dy.data, grad(weight));
        }
    }

    /** A batch norm: its four entries; it saves the batch mean and inverse deviation of its last training forward. */
    private final class Norm {
        int channels;
        Entry gamma;
        Entry beta;
        Entry mean;
        Entry var;
        DeviceArray savedMean;
        DeviceArray savedInvStd;

        BatchNorm descriptor(Tensor x) {
            return norms.computeIfAbsent(x.n + "x" + x.c + "x" + x.h + "x" + x.w, k -> new BatchNorm(device, x.n, x.c, x.h, x.w));
        }

        Tensor forwardTraining(Tensor x) {
            if (savedMean == null) {
                savedMean = pool.take(channels);
                savedInvStd = pool.take(channels);
            }
            Tensor y = new Tensor(pool.take(x.size()), x.n, x.c, x.h, x.w);
            descriptor(x).forwardTraining(x.data, y.data, param(gamma), param(beta), stat(mean), stat(var), BN_MOMENTUM, BN_EPS,
                    savedMean, savedInvStd);
            return y;
        }

        Tensor backward(Tensor x, Tensor dy) {
            Tensor dx = new Tensor(pool.take(x.size()), x.n, x.c, x.h, x.w);
            descriptor(x).backward(x.data, dy.data, dx.data, false, param(gamma), grad(gamma), grad(beta), BN_EPS, savedMean,
                    savedInvStd);
            return dx;
        }
    }

    /** A bottleneck: 1x1, 3x3 (with the stride), 1x1 convolutions with batch norms, the shortcut, the sum and its ReLU. */
    private final class Block {
        Conv conv1;
        Norm bn1;
        Conv conv2;
        Norm bn2;
        Conv conv3;
        Norm bn3;
        Conv downConv;
        Norm downNorm;
        /** Kept from the training forward for the backward. */
        Tensor input;
        Tensor c1;
        Tensor a1;
        Tensor c2;
        Tensor a2;
        Tensor c3;
        Tensor cd;
        Tensor out;

        Tensor forward(Tensor x) {
            input = x;
            c1 = conv1.forward(x);
            a1 = bn1.forwardTraining(c1);
            relu(a1);
            c2 = conv2.forward(a1);
            a2 = bn2.forwardTraining(c2);
            relu(a2);
            c3 = conv3.forward(a2);
            Tensor sum = bn3.forwardTraining(c3);
            if (downConv != null) {
                cd = downConv.forward(x);
                Tensor shortcut = downNorm.forwardTraining(cd);
                kernels.add(sum.data, shortcut.data, sum.data, sum.size());
                pool.give(shortcut.data);
            } else {
                kernels.add(sum.data, x.data, sum.data, sum.size());
            }
            relu(sum);
            out = sum;
            return out;
        }

        /** From the gradient of the block's output (which it consumes) to that of its input. */
        Tensor backward(Tensor dOut) {
            kernels.reluBackward(out.data, dOut.data, dOut.data, dOut.size());
            Tensor dSum = dOut; // flows to both branches
            Tensor dC3 = bn3.backward(c3, dSum);
            conv3.backwardFilter(a2, dC3);
            Tensor dA2 = conv3.backwardData(a2, dC3, null);
            pool.give(dC3.data);
            pool.give(c3.data);
            kernels.reluBackward(a2.data, dA2.data, dA2.data, dA2.size());
            Tensor dC2 = bn2.backward(c2, dA2);
            pool.give(dA2.data);
            conv2.backwardFilter(a1, dC2);
            Tensor dA1 = conv2.backwardData(a1, dC2, null);
            pool.give(dC2.data);
            pool.give(a2.data);
            pool.give(c2.data);
            kernels.reluBackward(a1.data, dA1.data, dA1.data, dA1.size());
            Tensor dC1 = bn1.backward(c1, dA1);
            pool.give(dA1.data);
            conv1.backwardFilter(input, dC1);
            Tensor dX = conv1.backwardData(input, dC1, null);
            pool.give(dC1.data);
            pool.give(a1.data);
            pool.give(c1.data);
            if (downConv != null) {
                Tensor dCd = downNorm.backward(cd, dSum);
                downConv.backwardFilter(input, dCd);
                downConv.backwardData(input, dCd, dX);
                pool.give(dCd.data);
                pool.give(cd.data);
            } else {
                kernels.add(dX.data, dSum.data, dX.data, dX.size());
            }
            pool.give(dSum.data);
            pool.give(out.data);
            input = c1 = a1 = c2 = a2 = c3 = cd = out = null;
            return dX;
        }
    }
}
