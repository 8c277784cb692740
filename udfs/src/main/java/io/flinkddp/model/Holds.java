package io.flinkddp.model;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * How many readers still hold each buffer of a step (by identity): an engine's graph adds a holder for
 * each consumer of an activation and for each backward that reads it, and gives the buffer back to its
 * workspace when the last one lets go. Not thread-safe; {@link #clear} at the end of a step.
 */
public final class Holds<T> {

    private final Map<T, Integer> counts = new IdentityHashMap<>();

    public void add(T buffer, int holders) {
        counts.merge(buffer, holders, Integer::sum);
    }

    /** One holder fewer; true when that was the last (the caller frees the buffer); false for a buffer nobody held. */
    public boolean drop(T buffer) {
        Integer left = counts.get(buffer);
        if (left == null) {
            return false;
        }
        if (left > 1) {
            counts.put(buffer, left - 1);
            return false;
        }
        counts.remove(buffer);
        return true;
    }

    public void clear() {
        counts.clear();
    }
}
