package io.flinkddp.model.gpu;

import io.flinkddp.model.Holds;
import io.flinkddp.model.ModelDescription.Kind;
import io.flinkddp.model.ModelDescription.Op;
import io.flinkddp.model.ModelDescription;
import io.flinkddp.model.gpu.GpuOps.Replay;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Runs a {@link ModelDescription}'s training step and inference on {@link GpuOps}, with the parameters and
 * gradients in the engine's flattened vectors (DL4J's order and layouts, which are cuDNN's and cuBLAS's:
 * a convolution's W is [out, in, k, k], the classifier's [out, in] row-major). Gradients are sums over
 * the batch's images; a batch norm in training moves a scratch copy of its running statistics and writes
 * what they moved, times the image count, into the gradient's statistics entries (the step applies them).
 * Frozen ops run in inference mode and the backward stops before them.
 *
 * <p>Memory: a training forward keeps only what the backward reads (a convolution's, batch norm's and the
 * classifier's input, a ReLU's output, a max pool's winners), each given back to the workspace once the
 * backward is past it; inference gives each activation back once its consumers have run. Keeps, between
 * steps, each batch norm's saved statistics and scratch (a few floats per channel).
 */
final class GpuGraph {

    private static final float[] MEAN = {0.485f, 0.456f, 0.406f};
    private static final float[] STD = {0.229f, 0.224f, 0.225f};

    /** An activation: workspace memory and its NCHW shape. */
    private record Act(GpuBuffer data, int n, int c, int h, int w) {
        long size() {
            return (long) n * c * h * w;
        }
    }

    private final ModelDescription model;
    private final GpuOps ops;
    private final GpuBuffer params;
    private final GpuBuffer grads;
    private final Map<String, Integer> consumers = new HashMap<>();
    private final Map<String, GpuBuffer[]> normState = new HashMap<>();
    /** During a training step: each op's input and output activations and what its backward keeps. */
    private final Map<String, Act[]> seen = new HashMap<>();
    private final Map<String, GpuBuffer> argmax = new HashMap<>();
    /** During a bfloat16 training step: the weights' casts, from the forward to the backward. */
    private final Map<String, GpuBuffer> castWeights = new HashMap<>();
    private final Holds<GpuBuffer> holds = new Holds<>();
    /** False for the run that records a plan: buffers come from the operations. */
    private final boolean planned;
    private final Map<Shape, Map<Element, StepPlan>> plans = new HashMap<>();
    private final Map<Shape, Replay> replays = new HashMap<>();
    private final Map<Shape, GpuBuffer> outputs = new HashMap<>();
    private final Set<Shape> ranEagerly = new HashSet<>();
    private boolean stepGraphs;
    /** The workspace: one arena per element kind, each as large as the largest plan of that kind. */
    private final Map<Element, GpuBuffer> arenas = new EnumMap<>(Element.class);
    /** While a step runs: its plan and how many of its buffers of each kind it has taken. */
    private Map<Element, StepPlan> plan;
    private final Map<Element, Integer> taken = new EnumMap<>(Element.class);
    private long launches;
    private boolean profiling;
    /** Why steps stopped being captured (null while they are, or were never asked to be). */
    private String captureProblem;

    /** A step's shape: its plan, its captured graph and its output are per shape. */
    private record Shape(int n, int side, boolean training) {
    }

    /** A graph whose steps are captured and replayed when {@code stepGraphs} (and the operations can). */
    GpuGraph(ModelDescription model, GpuOps ops, GpuBuffer params, GpuBuffer grads, boolean stepGraphs) {
        this(model, ops, params, grads, true, stepGraphs);
    }

    private GpuGraph(ModelDescription model, GpuOps ops, GpuBuffer params, GpuBuffer grads, boolean planned, boolean stepGraphs) {
        this.model = model;
        this.ops = ops;
        this.params = params;
        this.grads = grads;
        this.planned = planned;
        this.stepGraphs = stepGraphs;
        for (Op op : model.ops()) {
            op.inputs().forEach(i -> consumers.merge(i, 1, Integer::sum));
            if (op.kind() == Kind.CONVOLUTION && (op.relu() || op.param("b").isPresent())) {
                throw new IllegalArgumentException(op.name() + ": the GPU engine runs convolutions without bias or activation"
                        + " (resnet50's); this network needs the CPU engine");
            }
        }
    }

    /**
     * One training step: forward in training mode, softmax cross-entropy, backward; gradients (sums) into
     * the gradient vector. Calls {@code backwardDone} with each trained op once its backward is queued.
     * Returns the logits [n * classes], copied down.
     */
    float[] gradient(List<byte[]> images, int[] labels, int side, Consumer<Op> backwardDone) {
        int n = labels.length;
        ops.stage(images, side, labels);
        GpuBuffer logits = run(new Shape(n, side, true), done -> trainingStep(n, side, done), backwardDone);
        float[] host = new float[n * model.numClasses()];
        ops.download(logits, host, 0, host.length); // the first wait of the step: the backward is queued by now
        return host;
    }

    /** The logits [n * classes] of an inference-mode forward (batch norm on its running statistics), copied down. */
    float[] logits(List<byte[]> images, int side) {
        int n = images.size();
        ops.stage(images, side, null);
        GpuBuffer logits = run(new Shape(n, side, false), done -> inferenceStep(n, side), op -> { });
        float[] host = new float[n * model.numClasses()];
        ops.download(logits, host, 0, host.length);
        return host;
    }

    /**
     * Runs a step of this shape on its planned workspace: eagerly the first time (algorithms are chosen and
     * descriptors made then), captured and launched the second, replayed after that. Returns the logits'
     * buffer, valid until the next step.
     */
    private GpuBuffer run(Shape shape, Function<Consumer<Op>, GpuBuffer> step, Consumer<Op> done) {
        Map<Element, StepPlan> plan = planned(shape);
        Replay replay = replays.remove(shape);
        if (replay != null) {
            if (replay.launch()) {
                replays.put(shape, replay);
                launches++;
                reportAll(done);
                return outputs.get(shape);
            }
            replay.close();
        }
        if (stepGraphs && ranEagerly.contains(shape)) {
            Replay captured = capture(plan, step);
            if (captured != null) {
                if (captured.launch()) {
                    replays.put(shape, captured);
                    launches++;
                    reportAll(done);
                    return outputs.get(shape);
                }
                captured.close();
            }
        }
        GpuBuffer out = within(plan, () -> step.apply(done));
        outputs.put(shape, out);
        ranEagerly.add(shape);
        return out;
    }

    /** The shape's plan, with arenas large enough for it (a new arena makes every captured step stale). */
    private Map<Element, StepPlan> planned(Shape shape) {
        Map<Element, StepPlan> plan = plans.computeIfAbsent(shape, this::plan);
        plan.forEach((element, p) -> {
            GpuBuffer arena = arenas.get(element);
            if (arena == null || arena.elements() < p.arenaFloats()) {
                closeReplays();
                if (arena != null) {
                    ops.give(arena);
                }
                arenas.put(element, ops.take(p.arenaFloats(), element));
            }
        });
        return plan;
    }

    /**
     * One training step run op by op with each op's device time measured: milliseconds per {@code "op phase"}
     * (phases {@code forward}, {@code backward}, and for convolutions {@code backward-params} and
     * {@code backward-data}), plus {@code "images"} (upload and normalisation) and {@code "loss"}. Leaves the
     * gradient as {@link #gradient} does.
     */
    Map<String, Double> profile(List<byte[]> images, int[] labels, int side) {
        int n = labels.length;
        ops.stage(images, side, labels);
        Map<Element, StepPlan> plan = planned(new Shape(n, side, true));
        ops.startLaps();
        profiling = true;
        try {
            within(plan, () -> trainingStep(n, side, op -> { }));
        } finally {
            profiling = false;
        }
        return ops.stopLaps();
    }

    private void lap(String label) {
        if (profiling) {
            ops.lap(label);
        }
    }

    /** The step recorded on the operations, or null (and graphs off from now on) when they refused it. */
    private Replay capture(Map<Element, StepPlan> plan, Function<Consumer<Op>, GpuBuffer> step) {
        ops.beginCapture();
        Replay captured = null;
        try {
            within(plan, () -> step.apply(op -> { }));
        } catch (RuntimeException e) {
            captureProblem = String.valueOf(e.getMessage());
            stepGraphs = false;
        } finally {
            try {
                captured = ops.endCapture();
            } catch (RuntimeException e) {
                captureProblem = captureProblem != null ? captureProblem : String.valueOf(e.getMessage());
                stepGraphs = false;
            }
        }
        if (!stepGraphs && captured != null) {
            captured.close();
            return null;
        }
        return captured;
    }

    /** Runs a step body with its takes served from the plan's places in the arena. */
    private GpuBuffer within(Map<Element, StepPlan> plan, Supplier<GpuBuffer> body) {
        this.plan = plan;
        taken.clear();
        try {
            GpuBuffer out = body.get();
            plan.forEach((element, p) -> {
                if (taken.getOrDefault(element, 0) != p.buffers()) {
                    throw new IllegalStateException("the step took " + taken.getOrDefault(element, 0) + " " + element + " buffers, its plan has "
                            + p.buffers());
                }
            });
            return out;
        } finally {
            this.plan = null;
            seen.clear();
            holds.clear();
            castWeights.clear();
        }
    }

    private Map<Element, StepPlan> plan(Shape shape) {
        return plan(model, ops.activations(), shape.n(), shape.side(), shape.training());
    }

    /**
     * A step's workspace buffers and their lifetimes, per element kind, from a run of the step on operations that
     * only record (activations of kind {@code activations}).
     */
    static Map<Element, StepPlan> plan(ModelDescription model, Element activations, int n, int side, boolean training) {
        return StepPlan.record(activations, recorder -> {
            long size = model.layout().numParams();
            GpuGraph dry = new GpuGraph(model, recorder, recorder.allocate(size), recorder.allocate(size), false, false);
            if (training) {
                dry.trainingStep(n, side, op -> { });
            } else {
                dry.inferenceStep(n, side);
            }
        });
    }

    private void reportAll(Consumer<Op> done) {
        List<Op> order = model.ops();
        for (int i = order.size() - 1; i >= 0; i--) {
            if (!order.get(i).frozen()) {
                done.accept(order.get(i));
            }
        }
    }

    private GpuBuffer trainingStep(int n, int side, Consumer<Op> backwardDone) {
        Act logits = forward(n, side, true);
        int classes = model.numClasses();
        GpuBuffer dLogits = take((long) n * classes);
        ops.softmaxCrossEntropyGradient(logits.data(), dLogits, n, classes);
        lap("loss");
        Map<String, Act> dOuts = new HashMap<>();
        List<Op> order = model.ops();
        dOuts.put(order.get(order.size() - 1).name(), new Act(dLogits, n, classes, 1, 1));
        for (int i = order.size() - 1; i >= 0; i--) {
            Op op = order.get(i);
            if (op.frozen()) {
                continue;
            }
            Act dOut = dOuts.remove(op.name());
            Act[] io = seen.remove(op.name());
            Act[] dIn = backward(op, io, dOut);
            backwardDone.accept(op);
            boolean passedOn = false;
            for (int j = 0; j < dIn.length; j++) {
                if (dIn[j] == null) {
                    continue;
                }
                String input = op.inputs().get(j);
                Act existing = input.equals(model.input()) || model.op(input).frozen() ? null : dOuts.get(input);
                if (existing == null && !input.equals(model.input()) && !model.op(input).frozen()) {
                    dOuts.put(input, dIn[j]);
                    passedOn |= dIn[j].data() == dOut.data();
                    continue;
                }
                if (existing != null) {
                    ops.add(existing.data(), dIn[j].data(), existing.data(), existing.size());
                }
                if (dIn[j].data() != dOut.data()) {
                    give(dIn[j].data());
                }
            }
            if (!passedOn) {
                give(dOut.data());
            }
            if (op.kind() != Kind.CONVOLUTION) {
                lap(op.name() + " backward");
            } else if (dIn[0] != null) {
                lap(op.name() + " backward-data");
            }
        }
        dOuts.values().forEach(a -> give(a.data()));
        drop(logits.data());
        return logits.data();
    }

    private GpuBuffer inferenceStep(int n, int side) {
        Act logits = forward(n, side, false);
        drop(logits.data());
        return logits.data();
    }

    private Act forward(int n, int side, boolean training) {
        holds.clear();
        float[] scale = new float[3];
        float[] shift = new float[3];
        for (int c = 0; c < 3; c++) {
            scale[c] = 1f / (255f * STD[c]);
            shift[c] = -MEAN[c] / STD[c];
        }
        GpuBuffer x = take((long) n * 3 * side * side);
        ops.normalizeImages(n, side, scale, shift, x);
        lap("images");
        Map<String, Act> values = new HashMap<>();
        values.put(model.input(), new Act(x, n, 3, side, side));
        hold(x, consumers.getOrDefault(model.input(), 0));
        Act out = null;
        for (Op op : model.ops()) {
            Act[] in = op.inputs().stream().map(values::get).toArray(Act[]::new);
            boolean trains = training && !op.frozen();
            out = forward(op, in, trains);
            lap(op.name() + " forward");
            values.put(op.name(), out);
            hold(out.data(), Math.max(1, consumers.getOrDefault(op.name(), 0)));
            if (trains) {
                seen.put(op.name(), new Act[] {in[0], out});
                keep(op, in[0], out);
            }
            for (Act a : in) {
                drop(a.data());
            }
        }
        return out;
    }

    /** Holds what the op's backward reads. */
    private void keep(Op op, Act in, Act out) {
        switch (op.kind()) {
            case CONVOLUTION, BATCH_NORM, CLASSIFIER -> hold(in.data(), 1);
            case RELU -> hold(out.data(), 1);
            default -> { }
        }
    }

    private void release(Op op, Act in, Act out) {
        switch (op.kind()) {
            case CONVOLUTION, BATCH_NORM, CLASSIFIER -> drop(in.data());
            case RELU -> drop(out.data());
            case MAX_POOL -> give(argmax.remove(op.name()));
            default -> { }
        }
    }

    private Act forward(Op op, Act[] in, boolean training) {
        Act x = in[0];
        switch (op.kind()) {
            case CONVOLUTION -> {
                ConvShape s = shape(op, x);
                Act y = new Act(take(s.outputFloats()), x.n(), op.outChannels(), s.outH(), s.outW());
                GpuBuffer w = weight(op, "W", training);
                ops.convForward(s, x.data(), w, y.data());
                unlessKept(op, "W", w, training);
                return y;
            }
            case BATCH_NORM -> {
                Act y = new Act(take(x.size()), x.n(), x.c(), x.h(), x.w());
                if (!training) {
                    ops.batchNormInference(x.n(), x.c(), x.h(), x.w(), x.data(), y.data(), param(op, "gamma"), param(op, "beta"),
                            param(op, "mean"), param(op, "var"), op.eps());
                    return y;
                }
                GpuBuffer[] state = normState.computeIfAbsent(op.name(), k -> new GpuBuffer[] {
                        ops.allocate(x.c()), ops.allocate(x.c()), ops.allocate(x.c()), ops.allocate(x.c())});
                GpuBuffer mean = param(op, "mean");
                GpuBuffer var = param(op, "var");
                ops.copy(mean, state[2], x.c());
                ops.copy(var, state[3], x.c());
                ops.batchNormTraining(x.n(), x.c(), x.h(), x.w(), x.data(), y.data(), param(op, "gamma"), param(op, "beta"),
                        state[2], state[3], op.momentum(), op.eps(), state[0], state[1]);
                ops.statisticDelta(mean, state[2], grad(op, "mean"), x.c(), x.n());
                ops.statisticDelta(var, state[3], grad(op, "var"), x.c(), x.n());
                return y;
            }
            case RELU -> {
                Act y = new Act(take(x.size()), x.n(), x.c(), x.h(), x.w());
                ops.reluForward(x.data(), y.data(), x.size());
                return y;
            }
            case MAX_POOL -> {
                int oh = (x.h() + 2 * op.pad() - op.kernel()) / op.stride() + 1;
                int ow = (x.w() + 2 * op.pad() - op.kernel()) / op.stride() + 1;
                Act y = new Act(take((long) x.n() * x.c() * oh * ow), x.n(), x.c(), oh, ow);
                GpuBuffer winners = take(y.size(), Element.F32);
                ops.maxPoolForward(x.data(), y.data(), winners, x.n() * x.c(), x.h(), x.w(), op.kernel(), op.stride(), op.pad());
                if (training) {
                    argmax.put(op.name(), winners);
                } else {
                    give(winners);
                }
                return y;
            }
            case ADD -> {
                Act y = new Act(take(x.size()), x.n(), x.c(), x.h(), x.w());
                ops.add(x.data(), in[1].data(), y.data(), x.size());
                return y;
            }
            case GLOBAL_AVG_POOL -> {
                Act y = new Act(take((long) x.n() * x.c()), x.n(), x.c(), 1, 1);
                ops.meanPoolForward(x.data(), y.data(), x.n() * x.c(), x.h() * x.w());
                return y;
            }
            case CLASSIFIER -> {
                int d = x.c() * x.h() * x.w();
                Act y = new Act(take((long) x.n() * op.outChannels()), x.n(), op.outChannels(), 1, 1);
                GpuBuffer w = weight(op, "W", training);
                GpuBuffer b = weight(op, "b", training);
                ops.classifierForward(x.data(), w, b, y.data(), x.n(), d, op.outChannels());
                unlessKept(op, "b", b, training);
                unlessKept(op, "W", w, training);
                return y;
            }
            default -> throw new IllegalArgumentException(op.name() + ": " + op.kind() + " does not run on the GPU engine");
        }
    }

    /** The gradients of the op's inputs (null where none is needed), from that of its output; frees what it kept. */
    private Act[] backward(Op op, Act[] io, Act dOut) {
        Act x = io[0];
        Act y = io[1];
        boolean wantInput = !op.inputs().get(0).equals(model.input()) && !model.op(op.inputs().get(0)).frozen();
        Act[] dIn;
        switch (op.kind()) {
            case CONVOLUTION -> {
                ConvShape s = shape(op, x);
                GpuBuffer dw = gradientOf(op, "W");
                ops.convBackwardFilter(s, x.data(), dOut.data(), dw);
                intoGradient(op, "W", dw);
                lap(op.name() + " backward-params");
                Act dx = null;
                GpuBuffer w = kept(op, "W");
                if (wantInput) {
                    dx = new Act(take(x.size()), x.n(), x.c(), x.h(), x.w());
                    ops.convBackwardData(s, w, dOut.data(), dx.data(), false);
                }
                givenBack(op, "W", w);
                dIn = new Act[] {dx};
            }
            case BATCH_NORM -> {
                GpuBuffer[] state = normState.get(op.name());
                Act dx = new Act(take(x.size()), x.n(), x.c(), x.h(), x.w());
                ops.batchNormBackward(x.n(), x.c(), x.h(), x.w(), x.data(), dOut.data(), dx.data(), false, param(op, "gamma"),
                        grad(op, "gamma"), grad(op, "beta"), op.eps(), state[0], state[1]);
                dIn = new Act[] {dx};
            }
            case RELU -> {
                ops.reluBackward(y.data(), dOut.data(), dOut.data(), dOut.size());
                dIn = new Act[] {dOut};
            }
            case MAX_POOL -> {
                Act dx = new Act(take(x.size()), x.n(), x.c(), x.h(), x.w());
                ops.maxPoolBackward(dOut.data(), argmax.get(op.name()), dx.data(), x.n() * x.c(), x.h(), x.w(), op.kernel(),
                        op.stride(), op.pad());
                dIn = new Act[] {dx};
            }
            case ADD -> {
                Act copy = new Act(take(dOut.size()), dOut.n(), dOut.c(), dOut.h(), dOut.w());
                ops.copy(dOut.data(), copy.data(), dOut.size());
                dIn = new Act[] {dOut, copy};
            }
            case GLOBAL_AVG_POOL -> {
                Act dx = new Act(take(x.size()), x.n(), x.c(), x.h(), x.w());
                ops.meanPoolBackward(dOut.data(), dx.data(), x.n() * x.c(), x.h() * x.w());
                dIn = new Act[] {dx};
            }
            case CLASSIFIER -> {
                int d = x.c() * x.h() * x.w();
                Act dx = wantInput ? new Act(take(x.size()), x.n(), x.c(), x.h(), x.w()) : null;
                GpuBuffer w = kept(op, "W");
                GpuBuffer b = kept(op, "b");
                GpuBuffer dw = gradientOf(op, "W");
                GpuBuffer db = gradientOf(op, "b");
                ops.classifierBackward(x.data(), w, dOut.data(), dx == null ? null : dx.data(), dw, db, x.n(), d, op.outChannels());
                intoGradient(op, "b", db);
                intoGradient(op, "W", dw);
                givenBack(op, "b", b);
                givenBack(op, "W", w);
                dIn = new Act[] {dx};
            }
            default -> throw new IllegalArgumentException(op.name() + ": " + op.kind() + " does not run on the GPU engine");
        }
        release(op, x, y);
        return dIn;
    }

    private ConvShape shape(Op op, Act x) {
        return new ConvShape(x.n(), x.c(), x.h(), x.w(), op.outChannels(), op.kernel(), op.kernel(), op.stride(), op.pad());
    }

    /** Whether convolutions and the classifier compute on bfloat16 copies of their float32 weights (autocast's casts). */
    private boolean castsWeights() {
        return ops.activations() != Element.F32;
    }

    /**
     * The weight {@code key} as the op computes with it: the float32 parameter, or a copy cast to the activations'
     * kind (kept for the backward when {@code training}, as autocast keeps its cast).
     */
    private GpuBuffer weight(Op op, String key, boolean training) {
        GpuBuffer p = param(op, key);
        if (!castsWeights()) {
            return p;
        }
        GpuBuffer copy = take(p.elements());
        ops.cast(p, copy, p.elements());
        if (training) {
            castWeights.put(op.name() + "/" + key, copy);
        }
        return copy;
    }

    /** Gives a cast weight back at once when no backward will read it. */
    private void unlessKept(Op op, String key, GpuBuffer weight, boolean training) {
        if (castsWeights() && !training) {
            give(weight);
        }
    }

    /** The weight the forward computed with. */
    private GpuBuffer kept(Op op, String key) {
        return castsWeights() ? castWeights.remove(op.name() + "/" + key) : param(op, key);
    }

    private void givenBack(Op op, String key, GpuBuffer weight) {
        if (castsWeights()) {
            give(weight);
        }
    }

    /** Where a weight's gradient is computed: its float32 entries, or a workspace of the activations' kind (see {@link #intoGradient}). */
    private GpuBuffer gradientOf(Op op, String key) {
        GpuBuffer g = grad(op, key);
        return castsWeights() ? take(g.elements()) : g;
    }

    /** A gradient computed in the activations' kind, widened into its float32 entries. */
    private void intoGradient(Op op, String key, GpuBuffer computed) {
        if (castsWeights()) {
            ops.cast(computed, grad(op, key), computed.elements());
            give(computed);
        }
    }

    private GpuBuffer param(Op op, String key) {
        ModelDescription.Param p = op.param(key).orElseThrow(() -> new IllegalArgumentException(op.name() + " has no " + key));
        return params.slice(p.offset(), p.length());
    }

    private GpuBuffer grad(Op op, String key) {
        ModelDescription.Param p = op.param(key).orElseThrow(() -> new IllegalArgumentException(op.name() + " has no " + key));
        return grads.slice(p.offset(), p.length());
    }

    private void hold(GpuBuffer a, int count) {
        holds.add(a, count);
    }

    /** One holder fewer; the last gives the buffer back to the workspace. */
    private void drop(GpuBuffer a) {
        if (holds.drop(a)) {
            give(a);
        }
    }

    /** An activation-kind workspace buffer. */
    private GpuBuffer take(long count) {
        return take(count, ops.activations());
    }

    /** A workspace buffer: the plan's next place in its kind's arena, or (while the plan is being recorded) the operations'. */
    private GpuBuffer take(long count, Element element) {
        if (!planned) {
            return ops.take(count, element);
        }
        StepPlan p = plan == null ? null : plan.get(element);
        int k = taken.getOrDefault(element, 0);
        if (p == null || k >= p.buffers() || p.size(k) != count) {
            throw new IllegalStateException("the step's " + element + " take " + k + " of " + count + " elements is not in its plan");
        }
        taken.put(element, k + 1);
        return arenas.get(element).slice(p.offset(k), count);
    }

    /** Gives a workspace buffer back: to the operations while recording; a planned buffer's place is fixed. */
    private void give(GpuBuffer buffer) {
        if (!planned) {
            ops.give(buffer);
        }
    }

    /** Why steps are no longer captured: the operations refused a capture (null if they never did). */
    String captureProblem() {
        return captureProblem;
    }

    /** How many steps ran as a launch of a captured step. */
    long launches() {
        return launches;
    }

    /** Bytes of the workspace's arenas (0 before the first step). */
    long workspaceBytes() {
        return arenas.values().stream().mapToLong(a -> a.elements() * a.element().bytes).sum();
    }

    private void closeReplays() {
        replays.values().forEach(Replay::close);
        replays.clear();
    }

    /** Frees the captured steps and forgets the batch norms' saved statistics and scratch (their memory goes with the operations' close). */
    void clear() {
        closeReplays();
        normState.clear();
    }
}
