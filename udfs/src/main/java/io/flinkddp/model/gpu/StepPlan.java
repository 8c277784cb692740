package io.flinkddp.model.gpu;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Where each workspace buffer of one step lives in a single arena, planned from the buffers' lifetimes: a
 * buffer is taken, and free again once given back (its last reader is queued, and the stream runs calls in
 * order), so two buffers may share memory when their lifetimes do not overlap. Offsets are fixed, which is
 * what a captured step (a CUDA graph) needs. Placement is greedy by size (largest first, each at the lowest
 * offset clear of the buffers it lives alongside), each buffer aligned to {@link #ALIGN} floats.
 *
 * <p>In: the sizes and the take and give times of the step's buffers, or the step itself, run once on
 * operations that compute nothing and only record ({@link #record}). Out: the k-th take's offset and size,
 * the arena's size, and the most that is ever live at once (the bound no placement can beat).
 */
final class StepPlan {

    /** Floats each buffer is aligned to (256 bytes). */
    static final long ALIGN = 64;

    private final long[] sizes;
    private final long[] offsets;
    private final long arenaFloats;
    private final long liveFloats;

    /**
     * A plan for buffers {@code k} of {@code sizes[k]} floats, taken at time {@code takenAt[k]} and given back at
     * {@code givenAt[k]} (after the last take if never).
     */
    StepPlan(long[] sizes, int[] takenAt, int[] givenAt) {
        int count = sizes.length;
        this.sizes = sizes.clone();
        this.offsets = new long[count];
        long[] aligned = new long[count];
        for (int k = 0; k < count; k++) {
            aligned[k] = (sizes[k] + ALIGN - 1) / ALIGN * ALIGN;
        }
        Integer[] order = new Integer[count];
        Arrays.setAll(order, k -> k);
        Arrays.sort(order, Comparator.<Integer>comparingLong(k -> -aligned[k]).thenComparingInt(k -> takenAt[k]));
        List<Integer> placed = new ArrayList<>();
        long arena = 0;
        for (int k : order) {
            List<long[]> busy = new ArrayList<>();
            for (int j : placed) {
                if (takenAt[k] < givenAt[j] && takenAt[j] < givenAt[k]) {
                    busy.add(new long[] {offsets[j], offsets[j] + aligned[j]});
                }
            }
            busy.sort(Comparator.comparingLong(b -> b[0]));
            long at = 0;
            for (long[] b : busy) {
                if (at + aligned[k] <= b[0]) {
                    break;
                }
                at = Math.max(at, b[1]);
            }
            offsets[k] = at;
            arena = Math.max(arena, at + aligned[k]);
            placed.add(k);
        }
        this.arenaFloats = arena;
        long live = 0;
        int end = Arrays.stream(givenAt).max().orElse(0) + 1;
        long[] delta = new long[end + 1];
        for (int k = 0; k < count; k++) {
            delta[takenAt[k]] += aligned[k];
            delta[Math.min(givenAt[k], end)] -= aligned[k];
        }
        long now = 0;
        for (long d : delta) {
            now += d;
            live = Math.max(live, now);
        }
        this.liveFloats = live;
    }

    /**
     * Runs {@code step} on operations that compute nothing (their activations of kind {@code activations}) and
     * record when each workspace buffer is taken and given back; plans the buffers of each element kind apart.
     */
    static Map<Element, StepPlan> record(Element activations, Consumer<GpuOps> step) {
        Map<Element, List<long[]>> buffers = new EnumMap<>(Element.class);
        int[] clock = {0};
        GpuOps recorder = (GpuOps) Proxy.newProxyInstance(GpuOps.class.getClassLoader(), new Class<?>[] {GpuOps.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "take" -> {
                        Element element = args.length > 1 ? (Element) args[1] : Element.F32;
                        List<long[]> list = buffers.computeIfAbsent(element, e -> new ArrayList<>());
                        list.add(new long[] {(Long) args[0], clock[0]++, Long.MAX_VALUE});
                        yield new Dry(list.size() - 1, (Long) args[0], element);
                    }
                    case "allocate" -> new Dry(-1, (Long) args[0], Element.F32);
                    case "give" -> {
                        if (args[0] instanceof Dry d && d.id() >= 0) {
                            buffers.get(d.element()).get(d.id())[2] = clock[0]++;
                        }
                        yield null;
                    }
                    case "activations" -> activations;
                    case "heldBytes" -> 0L;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    case "toString" -> "step recorder";
                    case "beginCapture", "endCapture" -> throw new IllegalStateException("a step being planned does not capture");
                    default -> null;
                });
        step.accept(recorder);
        int end = clock[0];
        Map<Element, StepPlan> plans = new EnumMap<>(Element.class);
        buffers.forEach((element, list) -> plans.put(element, new StepPlan(list.stream().mapToLong(b -> b[0]).toArray(),
                list.stream().mapToInt(b -> (int) b[1]).toArray(), list.stream().mapToInt(b -> (int) Math.min(b[2], end)).toArray())));
        return plans;
    }

    /** A buffer of the recording run: no memory, only an identity, a size and a kind. */
    private record Dry(int id, long elements, Element element) implements GpuBuffer {
        @Override
        public GpuBuffer slice(long offset, long count) {
            return new Dry(-1, count, element);
        }
    }

    int buffers() {
        return sizes.length;
    }

    long size(int k) {
        return sizes[k];
    }

    long offset(int k) {
        return offsets[k];
    }

    /** Floats the arena needs. */
    long arenaFloats() {
        return arenaFloats;
    }

    /** The most floats live at any one time (aligned): no arena can be smaller. */
    long liveFloats() {
        return liveFloats;
    }

    /** Floats of all buffers side by side, as if none were reused. */
    long totalFloats() {
        long total = 0;
        for (long s : sizes) {
            total += (s + ALIGN - 1) / ALIGN * ALIGN;
        }
        return total;
    }
}
