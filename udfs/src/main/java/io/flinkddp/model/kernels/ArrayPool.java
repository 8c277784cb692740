package io.flinkddp.model.kernels;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The native arrays of a training step, reused from one step to the next: a step asks for the same
 * shapes every time, and a fresh native array costs its page faults (a 12.8 MB copy into a new array
 * took 5x as long as into an old one, BENCHMARKS.md part 8). Arrays given back wait for the next
 * request of the same type and length; {@link #endStep} frees those no request of the step used, so a
 * ragged last batch's shapes do not stay. What it keeps between steps is the step's peak working set,
 * as DL4J's workspaces keep theirs. Not thread-safe: one per replica.
 */
public final class ArrayPool {

    private final Map<String, ArrayDeque<INDArray>> free = new HashMap<>();
    private final Set<String> askedThisStep = new HashSet<>();

    /** A c-order array of the shape, uninitialised: a given-back one of that type and length if there is one. */
    public INDArray take(DataType type, long... shape) {
        long length = 1;
        for (long s : shape) {
            length *= s;
        }
        String key = type + ":" + length;
        askedThisStep.add(key);
        ArrayDeque<INDArray> queue = free.get(key);
        INDArray a = queue == null ? null : queue.poll();
        if (a == null) {
            return Nd4j.createUninitialized(type, shape);
        }
        return java.util.Arrays.equals(a.shape(), shape) ? a : a.reshape('c', shape);
    }

    /** Gives an array back for a later {@link #take}; arrays that are not whole c-order buffers are freed instead. */
    public void give(INDArray a) {
        if (a == null) {
            return;
        }
        if (a.ordering() == 'c' && a.offset() == 0 && a.length() == a.data().length() && !a.wasClosed()) {
            free.computeIfAbsent(a.dataType() + ":" + a.length(), k -> new ArrayDeque<>()).add(a);
        } else if (a.closeable()) {
            a.close();
        }
    }

    /** Frees the arrays of every type and length that no {@link #take} of this step asked for. */
    public void endStep() {
        for (Iterator<Map.Entry<String, ArrayDeque<INDArray>>> it = free.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, ArrayDeque<INDArray>> entry = it.next();
            if (!askedThisStep.contains(entry.getKey())) {
                entry.getValue().forEach(ArrayPool::close);
                it.remove();
            }
        }
        askedThisStep.clear();
    }

    /** Frees every array held for reuse (the pool stays usable). */
    public void release() {
        free.values().forEach(queue -> queue.forEach(ArrayPool::close));
        free.clear();
        askedThisStep.clear();
    }

    /** Bytes held for reuse. */
    public long heldBytes() {
        return free.values().stream().flatMap(ArrayDeque::stream).mapToLong(a -> a.length() * a.dataType().width()).sum();
    }

    private static void close(INDArray a) {
        if (a.closeable()) {
            a.close();
        } else if (a.data().closeable()) {
            a.data().close();
        }
    }
}
