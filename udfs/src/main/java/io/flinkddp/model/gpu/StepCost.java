package io.flinkddp.model.gpu;

import io.flinkddp.model.ModelDescription;
import io.flinkddp.model.ModelDescription.Kind;
import io.flinkddp.model.ModelDescription.Op;
import io.flinkddp.model.ResNetDescription;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What each op of a training step costs at least, against a roofline. In: a {@link ModelDescription}, the batch
 * {@code n}, the image side and the bytes of one activation element (4 for fp32 and tf32, 2 for bf16). Out: one
 * {@link Cost} per op and phase, in the order a step runs them (the forwards in the description's order, then the
 * backwards in reverse, each op's parameter gradient before its input gradient, as {@link GpuGraph} queues them):
 * the NCHW shapes in and out, the FLOPs (a multiply-add is 2) and the minimum bytes of memory traffic, each input,
 * output and parameter read or written once. {@link #table} lays them out with measured milliseconds, when there
 * are any, as achieved TFLOP/s and TB/s and the fraction of the roofline time max(FLOPs / peak FLOP/s, bytes /
 * peak bytes/s) reached. Keeps nothing beyond its rows.
 *
 * <p>What is counted, x and y being an op's input and output, each element e bytes (parameters and their
 * gradients too: the copy a kernel reads):
 * <ul>
 * <li>convolution and classifier: forward x, W, y; backward data dy, W, dx; backward params x, dy, dW; the same
 * multiply-adds in each phase (a fused bias adds a FLOP per output element to the forward and to the params
 * phase, a fused ReLU one to the forward);
 * <li>batch norm: forward reads x and every parameter tensor, writes y (5 FLOPs an element on batch statistics:
 * sum, sum of squares, scale and shift; 2 frozen, on running statistics; a two-pass kernel reads x twice);
 * backward params reads x, dy and writes dgamma, dbeta (5 an element); backward data reads x, dy, gamma and
 * writes dx (6 an element);
 * <li>ReLU: forward x, y; backward y, dy, dx (1 FLOP an element each);
 * <li>max pool: forward x, y (one comparison per tap); backward dy and the winners (an element each) and dx;
 * <li>add: forward both inputs and y; its backward is free (both inputs' gradient is its output's);
 * <li>global average pool: forward x, y; backward dy, dx.
 * </ul>
 * An op whose output several ops read sums their gradients: one more dy read and one add per element for each
 * consumer past the first, charged to its first backward phase. No backward for a frozen op; no backward data where
 * no input needs a gradient (the network's input, a frozen op). Not counted: the image upload, the loss, the
 * optimizer update and the running statistics' update (each well under one per cent of resnet50's step).
 *
 * @param batch images per step
 * @param side the images' height and width
 * @param bytesPerElement bytes of one activation, parameter or gradient element
 * @param rows one per op and phase, in the order they run
 */
public record StepCost(int batch, int side, int bytesPerElement, List<Cost> rows) {

    /** Batch norm's running statistics: read by its forward, not trained. */
    private static final Set<String> STATISTICS = Set.of("mean", "var");

    public StepCost {
        rows = List.copyOf(rows);
    }

    /** Which part of an op's work a row is. {@code BACKWARD} is only for timings: a backward one call does whole. */
    public enum Phase {
        FORWARD("forward"), BACKWARD_DATA("backward-data"), BACKWARD_PARAMS("backward-params"), BACKWARD("backward");

        public final String label;

        Phase(String label) {
            this.label = label;
        }

        /** By {@link #label} or by name, in any case. */
        public static Phase of(String text) {
            for (Phase p : values()) {
                if (p.label.equalsIgnoreCase(text) || p.name().equalsIgnoreCase(text)) {
                    return p;
                }
            }
            throw new IllegalArgumentException("no phase " + text + "; one of forward, backward-data, backward-params, backward");
        }
    }

    /** An NCHW shape. */
    public record Shape(int n, int c, int h, int w) {
        public long elements() {
            return (long) n * c * h * w;
        }

        /** c x h x w (the batch is the step's). */
        @Override
        public String toString() {
            return c + "x" + h + "x" + w;
        }
    }

    /** Where a measured time goes: an op's name and the phase timed. */
    public record Key(String op, Phase phase) {
    }

    /** One op's phase: its shapes, its multiply-adds (convolutions and the classifier), FLOPs and minimum bytes. */
    public record Cost(String op, Kind kind, Phase phase, Shape in, Shape out, long macs, long flops, long bytes) {

        public Key key() {
            return new Key(op, phase);
        }

        /** max(FLOPs / peak FLOP/s, bytes / peak bytes/s). */
        public double rooflineSeconds(Peaks peaks) {
            return Math.max(flops / peaks.flopsPerSecond(), bytes / peaks.bytesPerSecond());
        }

        /** Whether the compute roof (not the memory one) bounds it at these peaks. */
        public boolean computeBound(Peaks peaks) {
            return flops / peaks.flopsPerSecond() >= bytes / peaks.bytesPerSecond();
        }

        Cost plus(Cost other) {
            return new Cost(op, kind, phase, in, out, macs + other.macs, flops + other.flops, bytes + other.bytes);
        }
    }

    /** A device's dense peak arithmetic rate and memory bandwidth. */
    public record Peaks(String name, double flopsPerSecond, double bytesPerSecond) {
        public static final Peaks H200_BF16 = new Peaks("H200 bf16", 990e12, 4.8e12);
        public static final Peaks H200_TF32 = new Peaks("H200 tf32", 495e12, 4.8e12);
        public static final Peaks H200_FP32 = new Peaks("H200 fp32", 67e12, 4.8e12);

        public Peaks {
            if (!(flopsPerSecond > 0) || !(bytesPerSecond > 0)) {
                throw new IllegalArgumentException("peaks must be positive: " + flopsPerSecond + " FLOP/s, " + bytesPerSecond + " B/s");
            }
        }
    }

    /** The cost of one training step of {@code model} on {@code batch} images of {@code side} x {@code side}. */
    public static StepCost of(ModelDescription model, int batch, int side, int bytesPerElement) {
        if (batch < 1 || side < 1 || bytesPerElement < 1) {
            throw new IllegalArgumentException("batch, side and bytes per element must be positive: " + batch + ", " + side + ", "
                    + bytesPerElement);
        }
        Map<String, Op> ops = new HashMap<>();
        Map<String, Shape> shapes = new HashMap<>();
        Map<String, Integer> gradients = new HashMap<>();
        shapes.put(model.input(), new Shape(batch, 3, side, side));
        for (Op op : model.ops()) {
            ops.put(op.name(), op);
            if (!op.frozen()) {
                op.inputs().forEach(i -> gradients.merge(i, 1, Integer::sum));
            }
        }
        List<Cost> forward = new ArrayList<>();
        List<Cost> backward = new ArrayList<>();
        long e = bytesPerElement;
        for (Op op : model.ops()) {
            Shape x = shapes.get(op.inputs().get(0));
            Shape y = output(op, x);
            shapes.put(op.name(), y);
            long xs = x.elements();
            long ys = y.elements();
            long all = op.params().stream().mapToLong(ModelDescription.Param::length).sum();
            long trainable = op.params().stream().filter(p -> !STATISTICS.contains(p.key()))
                    .mapToLong(ModelDescription.Param::length).sum();
            long weights = op.param("W").map(ModelDescription.Param::length).orElse(0L);
            boolean bias = op.param("b").isPresent();
            boolean wantData = op.inputs().stream().anyMatch(i -> !i.equals(model.input()) && !ops.get(i).frozen());
            long macs = 0;
            long[] f = new long[3];
            long[] b = new long[3];
            switch (op.kind()) {
                case CONVOLUTION, CLASSIFIER -> {
                    macs = op.kind() == Kind.CLASSIFIER ? (long) y.n() * op.outChannels() * x.c() * x.h() * x.w()
                            : ys * x.c() * op.kernel() * op.kernel();
                    long biasFlops = bias ? ys : 0;
                    f = new long[] {2 * macs + biasFlops + (op.relu() ? ys : 0), 2 * macs, 2 * macs + biasFlops};
                    b = new long[] {xs + all + ys, ys + weights + xs, xs + ys + trainable};
                }
                case BATCH_NORM -> {
                    f = new long[] {(op.frozen() ? 2 : 5) * xs, 6 * xs, 5 * xs};
                    b = new long[] {xs + all + ys, xs + ys + x.c() + xs, xs + ys + trainable};
                }
                case RELU -> {
                    f = new long[] {xs, xs, 0};
                    b = new long[] {xs + ys, ys + ys + xs, 0};
                }
                case MAX_POOL -> {
                    f = new long[] {ys * op.kernel() * op.kernel(), ys, 0};
                    b = new long[] {xs + ys, ys + ys + xs, 0};
                }
                case ADD -> {
                    f = new long[] {ys, 0, 0};
                    b = new long[] {op.inputs().stream().mapToLong(i -> shapes.get(i).elements()).sum() + ys, 0, 0};
                }
                case GLOBAL_AVG_POOL -> {
                    f = new long[] {xs + ys, xs, 0};
                    b = new long[] {xs + ys, ys + xs, 0};
                }
                default -> throw new IllegalArgumentException(op.name() + ": no cost for " + op.kind());
            }
            forward.add(new Cost(op.name(), op.kind(), Phase.FORWARD, x, y, macs, f[0], e * b[0]));
            if (op.frozen()) {
                continue;
            }
            long extra = Math.max(0, gradients.getOrDefault(op.name(), 0) - 1) * ys;
            List<Cost> back = new ArrayList<>();
            if (trainable > 0) {
                back.add(new Cost(op.name(), op.kind(), Phase.BACKWARD_PARAMS, x, y, macs, f[2], e * b[2]));
            }
            if (wantData) {
                back.add(new Cost(op.name(), op.kind(), Phase.BACKWARD_DATA, x, y, macs, f[1], e * b[1]));
            }
            if (extra > 0 && !back.isEmpty()) {
                Cost first = back.get(0);
                back.set(0, new Cost(first.op(), first.kind(), first.phase(), x, y, first.macs(), first.flops() + extra,
                        first.bytes() + e * extra));
            }
            backward.addAll(0, back);
        }
        List<Cost> rows = new ArrayList<>(forward);
        rows.addAll(backward);
        return new StepCost(batch, side, bytesPerElement, rows);
    }

    private static Shape output(Op op, Shape x) {
        return switch (op.kind()) {
            case CONVOLUTION -> new Shape(x.n(), op.outChannels(), slide(op, x.h()), slide(op, x.w()));
            case MAX_POOL -> new Shape(x.n(), x.c(), slide(op, x.h()), slide(op, x.w()));
            case GLOBAL_AVG_POOL -> new Shape(x.n(), x.c(), 1, 1);
            case CLASSIFIER -> new Shape(x.n(), op.outChannels(), 1, 1);
            default -> x;
        };
    }

    private static int slide(Op op, int size) {
        int out = (size + 2 * op.pad() - op.kernel()) / op.stride() + 1;
        if (out < 1) {
            throw new IllegalArgumentException(op.name() + ": a " + op.kernel() + " window does not fit " + size + " padded by "
                    + op.pad());
        }
        return out;
    }

    public long flops() {
        return rows.stream().mapToLong(Cost::flops).sum();
    }

    public long bytes() {
        return rows.stream().mapToLong(Cost::bytes).sum();
    }

    /** The FLOPs of one phase over all ops. */
    public long flops(Phase phase) {
        return rows.stream().filter(r -> r.phase() == phase).mapToLong(Cost::flops).sum();
    }

    /** The step's time at the roofline: each row's roofline time, summed (the ops run one after another). */
    public double rooflineSeconds(Peaks peaks) {
        return rows.stream().mapToDouble(r -> r.rooflineSeconds(peaks)).sum();
    }

    /**
     * The table: one line per row (op, phase, shape in and out, GFLOP, MB, ms, achieved TFLOP/s and TB/s, roofline
     * ms, which roof, the fraction of the roofline reached), subtotals per kind of op and the step's total. {@code
     * millis} holds measured milliseconds by op and phase (may be empty: then the model alone); an op timed under
     * {@link Phase#BACKWARD} has its backward rows shown as one. Totals of time, rates and fraction are over the
     * timed rows. A timing that names no row (an op or phase the step does not have) is refused.
     */
    public String table(Map<Key, Double> millis, Peaks peaks) {
        Map<Key, Cost> shown = new LinkedHashMap<>();
        for (Cost r : rows) {
            Key whole = new Key(r.op(), Phase.BACKWARD);
            if (r.phase() != Phase.FORWARD && millis.containsKey(whole)) {
                Cost asWhole = new Cost(r.op(), r.kind(), Phase.BACKWARD, r.in(), r.out(), r.macs(), r.flops(), r.bytes());
                shown.merge(whole, asWhole, Cost::plus);
            } else {
                shown.put(r.key(), r);
            }
        }
        List<Key> unknown = millis.keySet().stream().filter(k -> !shown.containsKey(k)).toList();
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("timings for no op and phase of the step: " + unknown);
        }
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "step cost: batch %d, %d px, %d B per element; roofline at %s: %.0f TFLOP/s, %.2f TB/s%n",
                batch, side, bytesPerElement, peaks.name(), peaks.flopsPerSecond() / 1e12, peaks.bytesPerSecond() / 1e12));
        String header = String.format(Locale.ROOT, "%-24s %-15s %-24s %10s %10s %9s %8s %7s %9s %-7s %7s%n", "op", "phase",
                "shape (c x h x w)", "GFLOP", "MB", "ms", "TFLOP/s", "TB/s", "roof ms", "bound", "of roof");
        s.append(header);
        Map<Kind, Total> kinds = new EnumMap<>(Kind.class);
        Total total = new Total();
        for (Cost r : shown.values()) {
            Double ms = millis.get(r.key());
            line(s, r.op(), r.phase().label, r.in() + " -> " + r.out(), r.flops(), r.bytes(), ms, r.rooflineSeconds(peaks),
                    r.flops() == 0 && r.bytes() == 0 ? "-" : r.computeBound(peaks) ? "compute" : "memory");
            kinds.computeIfAbsent(r.kind(), k -> new Total()).add(r, ms, peaks);
            total.add(r, ms, peaks);
        }
        s.append(String.format(Locale.ROOT, "%nby kind of op%n")).append(header);
        kinds.forEach((k, t) -> t.line(s, k.name().toLowerCase(Locale.ROOT)));
        total.line(s, "step");
        long timed = shown.keySet().stream().filter(millis::containsKey).count();
        if (timed > 0 && timed < shown.size()) {
            s.append(String.format(Locale.ROOT, "(%d of %d rows timed: time, rates and fraction are over those)%n", timed, shown.size()));
        }
        return s.toString();
    }

    /** Sums of rows: all of them for FLOPs, bytes and roofline; the timed ones for time, rates and fraction. */
    private static final class Total {
        long flops;
        long bytes;
        double roof;
        long timedFlops;
        long timedBytes;
        double timedRoof;
        double ms;
        boolean timed;

        void add(Cost r, Double millis, Peaks peaks) {
            flops += r.flops();
            bytes += r.bytes();
            roof += r.rooflineSeconds(peaks);
            if (millis != null) {
                timed = true;
                ms += millis;
                timedFlops += r.flops();
                timedBytes += r.bytes();
                timedRoof += r.rooflineSeconds(peaks);
            }
        }

        void line(StringBuilder s, String name) {
            String rates = timed ? String.format(Locale.ROOT, "%9.3f %8.1f %7.2f", ms, timedFlops / ms / 1e9, timedBytes / ms / 1e9)
                    : String.format(Locale.ROOT, "%9s %8s %7s", "-", "-", "-");
            s.append(String.format(Locale.ROOT, "%-24s %-15s %-24s %10.3f %10.2f %s %9.3f %-7s %7s%n", name, "", "", flops / 1e9,
                    bytes / 1e6, rates, roof * 1e3, "", timed ? percent(timedRoof * 1e3 / ms) : "-"));
        }
    }

    private static void line(StringBuilder s, String op, String phase, String shape, long flops, long bytes, Double ms, double roof,
                             String bound) {
        String rates = ms != null ? String.format(Locale.ROOT, "%9.3f %8.1f %7.2f", ms, flops / ms / 1e9, bytes / ms / 1e9)
                : String.format(Locale.ROOT, "%9s %8s %7s", "-", "-", "-");
        s.append(String.format(Locale.ROOT, "%-24s %-15s %-24s %10.3f %10.2f %s %9.3f %-7s %7s%n", op, phase, shape, flops / 1e9,
                bytes / 1e6, rates, roof * 1e3, bound, ms != null ? percent(roof * 1e3 / ms) : "-"));
    }

    private static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * fraction);
    }

    /** The timings among a profile's laps ({@code "op phase"} labels, as {@link GpuEngine#profileStep} gives them); other labels are left out. */
    public static Map<Key, Double> timings(Map<String, Double> laps) {
        Map<Key, Double> millis = new LinkedHashMap<>();
        laps.forEach((label, ms) -> {
            String[] parts = label.split(" ");
            if (parts.length == 2) {
                millis.merge(new Key(parts[0], Phase.of(parts[1])), ms, Double::sum);
            }
        });
        return millis;
    }

    /** Whether every row of the step has a timing in {@code millis}, its own or its op's whole backward. */
    public boolean covers(Map<Key, Double> millis) {
        return rows.stream().allMatch(r -> millis.containsKey(r.key())
                || r.phase() != Phase.FORWARD && millis.containsKey(new Key(r.op(), Phase.BACKWARD)));
    }

    /**
     * Reads measured times: one {@code op phase ms} line each (phase as {@link Phase#of} reads it), blank lines and
     * lines starting with {@code #} skipped.
     */
    public static Map<Key, Double> readTimings(Path file) throws IOException {
        Map<Key, Double> millis = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            String[] parts = t.split("\\s+");
            if (parts.length != 3) {
                throw new IllegalArgumentException(file + ": expected 'op phase ms', found '" + line + "'");
            }
            millis.put(new Key(parts[0], Phase.of(parts[1])), Double.parseDouble(parts[2]));
        }
        return millis;
    }

    /**
     * Prints resnet50's table. {@code StepCost [--batch 100] [--side 224] [--classes 1000] [--precision bf16|tf32|fp32]
     * [--peak-tflops T] [--peak-tbps B] [--timings FILE]}: the precision picks the element size (2 or 4 bytes) and the
     * H200's peaks, which the two peak options override; FILE is read by {@link #readTimings}.
     */
    public static void main(String[] args) throws IOException {
        try {
            print(args);
        } catch (IllegalArgumentException e) {
            System.err.println("step-cost: " + e.getMessage());
            System.exit(2);
        }
    }

    private static void print(String[] args) throws IOException {
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 == args.length) {
                throw new IllegalArgumentException("usage: StepCost [--batch 100] [--side 224] [--classes 1000]"
                        + " [--precision bf16|tf32|fp32] [--peak-tflops T] [--peak-tbps B] [--timings FILE]");
            }
            o.put(args[i].substring(2), args[i + 1]);
        }
        String precision = o.getOrDefault("precision", "bf16").toLowerCase(Locale.ROOT);
        Peaks peaks = switch (precision) {
            case "bf16" -> Peaks.H200_BF16;
            case "tf32" -> Peaks.H200_TF32;
            case "fp32" -> Peaks.H200_FP32;
            default -> throw new IllegalArgumentException("--precision is bf16, tf32 or fp32, not " + precision);
        };
        if (o.containsKey("peak-tflops") || o.containsKey("peak-tbps")) {
            double flops = o.containsKey("peak-tflops") ? Double.parseDouble(o.get("peak-tflops")) * 1e12 : peaks.flopsPerSecond();
            double bytes = o.containsKey("peak-tbps") ? Double.parseDouble(o.get("peak-tbps")) * 1e12 : peaks.bytesPerSecond();
            peaks = new Peaks("given peaks", flops, bytes);
        }
        StepCost cost = of(ResNetDescription.resNet50(Integer.parseInt(o.getOrDefault("classes", "1000"))),
                Integer.parseInt(o.getOrDefault("batch", "100")), Integer.parseInt(o.getOrDefault("side", "224")),
                precision.equals("bf16") ? 2 : 4);
        Map<Key, Double> millis = o.containsKey("timings") ? readTimings(Path.of(o.get("timings"))) : Collections.emptyMap();
        System.out.print(cost.table(millis, peaks));
    }
}
