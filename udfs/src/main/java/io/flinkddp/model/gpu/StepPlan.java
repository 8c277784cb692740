package io.flinkddp.model.gpu;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
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
     * Runs {@code step} on operations that compute nothing and record when each workspace buffer is taken and
     * given back, and plans those buffers.
     */
    static StepPlan record(Consumer<GpuOps> step) {
        List<Long> sizes = new ArrayList<>();
        List<Integer> taken = new ArrayList<>();
        List<Integer> given = new ArrayList<>();
        int[] clock = {0};
        GpuOps recorder = (GpuOps) Proxy.newProxyInstance(GpuOps.class.getClassLoader(), new Class<?>[] {GpuOps.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "take" -> {
                        sizes.add((Long) args[0]);
                        taken.add(clock[0]++);
                        given.add(Integer.MAX_VALUE);
                        yield new Dry(sizes.size() - 1, (Long) args[0]);
                    }
                    case "allocate" -> new Dry(-1, (Long) args[0]);
                    case "give" -> {
                        if (args[0] instanceof Dry d && d.id() >= 0) {
                            given.set(d.id(), clock[0]++);
                        }
                        yield null;
                    }
                    case "heldBytes" -> 0L;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    case "toString" -> "step recorder";
                    default -> {
                        if (method.getName().equals("endCapture") || method.getName().equals("beginCapture")) {
                            throw new IllegalStateException("a step being planned does not capture");
                        }
                        yield null;
                    }
                });
        step.accept(recorder);
        int end = clock[0];
        return new StepPlan(sizes.stream().mapToLong(Long::longValue).toArray(), taken.stream().mapToInt(Integer::intValue).toArray(),
                given.stream().mapToInt(g -> Math.min(g, end)).toArray());
    }

    /** A buffer of the recording run: no memory, only an identity and a size. */
    private record Dry(int id, long floats) implements GpuBuffer {
        @Override
        public GpuBuffer slice(long offset, long count) {
            return new Dry(-1, count);
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
