package io.flinkddp.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@link ModelDescription} of {@link Networks#resNet}'s networks (torchvision's resnet50 and its
 * shallower cuts) without DL4J, for what runs without it ({@code bin/gpu-check}). It follows
 * {@link Networks#resNet} vertex for vertex and lays the parameters out as DL4J does: vertices in DL4J's
 * topological order (see {@link Builder#build}), each layer's
 * parameters in its order ({@code W}; {@code gamma, beta, mean, var}; {@code W, b}). A test holds it equal
 * to {@link Dl4jDescription} of the DL4J network. Keeps nothing.
 */
public final class ResNetDescription {

    private static final int[] WIDTHS = {64, 128, 256, 512};
    private static final int EXPANSION = 4;
    private static final double EPS = 1e-5;
    private static final double MOMENTUM = 1 - 0.9;

    private ResNetDescription() {
    }

    /** torchvision's resnet50 with {@code classes} classes. */
    public static ModelDescription resNet50(int classes) {
        return of(new int[] {3, 4, 6, 3}, classes);
    }

    /** {@code blocks[s]} bottlenecks in stage s, as {@link Networks#resNet}. */
    public static ModelDescription of(int[] blocks, int classes) {
        Builder b = new Builder();
        b.conv("conv1", Networks.INPUT, 3, 64, 7, 2, 3);
        b.norm("bn1", "conv1", 64);
        b.op("relu1", ModelDescription.Kind.RELU, "bn1");
        b.add(new Pending("maxpool", ModelDescription.Kind.MAX_POOL, List.of("relu1"), 3, 2, 1, 0, 0));
        String previous = "maxpool";
        int in = 64;
        for (int stage = 0; stage < blocks.length; stage++) {
            for (int block = 0; block < blocks[stage]; block++) {
                int stride = stage > 0 && block == 0 ? 2 : 1;
                String name = "layer" + (stage + 1) + "." + block;
                int width = WIDTHS[stage];
                b.conv(name + ".conv1", previous, in, width, 1, 1, 0);
                b.norm(name + ".bn1", name + ".conv1", width);
                b.op(name + ".relu1", ModelDescription.Kind.RELU, name + ".bn1");
                b.conv(name + ".conv2", name + ".relu1", width, width, 3, stride, 1);
                b.norm(name + ".bn2", name + ".conv2", width);
                b.op(name + ".relu2", ModelDescription.Kind.RELU, name + ".bn2");
                b.conv(name + ".conv3", name + ".relu2", width, width * EXPANSION, 1, 1, 0);
                b.norm(name + ".bn3", name + ".conv3", width * EXPANSION);
                String shortcut = previous;
                if (block == 0) {
                    b.conv(name + ".downsample.0", previous, in, width * EXPANSION, 1, stride, 0);
                    b.norm(name + ".downsample.1", name + ".downsample.0", width * EXPANSION);
                    shortcut = name + ".downsample.1";
                }
                b.add(new Pending(name + ".add", ModelDescription.Kind.ADD, List.of(name + ".bn3", shortcut), 0, 0, 0, 0, 0));
                b.op(name + ".relu", ModelDescription.Kind.RELU, name + ".add");
                previous = name + ".relu";
                in = width * EXPANSION;
            }
        }
        b.op("avgpool", ModelDescription.Kind.GLOBAL_AVG_POOL, previous);
        b.add(new Pending(Networks.OUTPUT, ModelDescription.Kind.CLASSIFIER, List.of("avgpool"), 0, 0, 0, classes, in));
        return b.build(classes);
    }

    /** A vertex before it has its place in the vector: {@code in} is the input channels (convolution, classifier). */
    private record Pending(String name, ModelDescription.Kind kind, List<String> inputs, int kernel, int stride, int pad,
                           int out, int in) {
    }

    private static final class Builder {
        private final Map<String, Pending> vertices = new LinkedHashMap<>();

        void add(Pending p) {
            vertices.put(p.name(), p);
        }

        void conv(String name, String input, int in, int out, int k, int stride, int pad) {
            add(new Pending(name, ModelDescription.Kind.CONVOLUTION, List.of(input), k, stride, pad, out, in));
        }

        void norm(String name, String input, int channels) {
            add(new Pending(name, ModelDescription.Kind.BATCH_NORM, List.of(input), 0, 0, 0, channels, channels));
        }

        void op(String name, ModelDescription.Kind kind, String input) {
            add(new Pending(name, kind, List.of(input), 0, 0, 0, 0, 0));
        }

        /**
         * DL4J's order, as {@code ComputationGraph.calculateIndices} computes it: vertices numbered in the order
         * they were added (the input first), each vertex's consumers in a {@code HashSet} of those numbers, Kahn's
         * algorithm with a first-in first-out list. Then the parameters laid out in that order.
         */
        ModelDescription build(int classes) {
            List<String> names = new ArrayList<>(List.of(Networks.INPUT));
            names.addAll(vertices.keySet());
            Map<String, Integer> index = new HashMap<>();
            for (int i = 0; i < names.size(); i++) {
                index.put(names.get(i), i);
            }
            Map<Integer, Set<Integer>> inputs = new HashMap<>();
            Map<Integer, Set<Integer>> consumers = new HashMap<>();
            for (Pending p : vertices.values()) {
                int at = index.get(p.name());
                Set<Integer> from = new HashSet<>();
                for (String input : p.inputs()) {
                    from.add(index.get(input));
                    consumers.computeIfAbsent(index.get(input), k -> new HashSet<>()).add(at);
                }
                inputs.put(at, from);
            }
            LinkedList<Integer> ready = new LinkedList<>(List.of(0));
            List<ModelDescription.Op> ops = new ArrayList<>();
            List<long[]> statistics = new ArrayList<>();
            long offset = 0;
            while (!ready.isEmpty()) {
                int next = ready.removeFirst();
                for (Integer consumer : consumers.getOrDefault(next, Set.of())) {
                    Set<Integer> waiting = inputs.get(consumer);
                    waiting.remove(next);
                    if (waiting.isEmpty()) {
                        ready.add(consumer);
                    }
                }
                String name = names.get(next);
                Pending p = vertices.get(name);
                if (p == null) {
                    continue;
                }
                List<ModelDescription.Param> params = new ArrayList<>();
                switch (p.kind()) {
                    case CONVOLUTION -> params.add(new ModelDescription.Param("W", offset, List.of((long) p.out(), (long) p.in(),
                            (long) p.kernel(), (long) p.kernel()), 'c'));
                    case BATCH_NORM -> {
                        for (String key : List.of("gamma", "beta", "mean", "var")) {
                            params.add(new ModelDescription.Param(key, offset + params.size() * (long) p.out(), List.of((long) p.out()), 'f'));
                        }
                        statistics.add(new long[] {offset + 2L * p.out(), offset + 3L * p.out()});
                        statistics.add(new long[] {offset + 3L * p.out(), offset + 4L * p.out()});
                    }
                    case CLASSIFIER -> {
                        params.add(new ModelDescription.Param("W", offset, List.of((long) p.in(), (long) p.out()), 'f'));
                        params.add(new ModelDescription.Param("b", offset + (long) p.in() * p.out(), List.of((long) p.out()), 'f'));
                    }
                    default -> { }
                }
                offset += params.stream().mapToLong(ModelDescription.Param::length).sum();
                boolean norm = p.kind() == ModelDescription.Kind.BATCH_NORM;
                ops.add(new ModelDescription.Op(p.name(), p.kind(), p.inputs(), p.kernel(), p.stride(), p.pad(),
                        p.kind() == ModelDescription.Kind.RELU || p.kind() == ModelDescription.Kind.ADD
                                || p.kind() == ModelDescription.Kind.MAX_POOL || p.kind() == ModelDescription.Kind.GLOBAL_AVG_POOL ? 0 : p.out(),
                        p.kind() == ModelDescription.Kind.RELU, norm ? EPS : 0, norm ? MOMENTUM : 0, false, params));
            }
            return new ModelDescription(Networks.INPUT, ops, new ParamLayout(offset, statistics, 0), classes);
        }
    }
}
