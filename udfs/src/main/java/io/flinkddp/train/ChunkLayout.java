package io.flinkddp.train;

import io.flinkddp.config.WirePrecision;
import java.util.List;
import java.util.function.Consumer;

/**
 * How the entries [start, start + floats) of a flat vector are cut into chunks of {@code chunkFloats}
 * (the last one shorter): chunk i holds entries [start + i * chunkFloats, + length(i)). The trainer
 * (from the first trained parameter: frozen layers lead the vector and are not sent), the benchmark
 * stub and the tests cut and reassemble vectors with it.
 */
public record ChunkLayout(long start, long floats, int chunkFloats) {

    public ChunkLayout {
        if (floats < 1 || chunkFloats < 1 || start < 0) {
            throw new IllegalArgumentException("a layout of " + floats + " floats from " + start + " in chunks of " + chunkFloats);
        }
        if (chunks(floats, chunkFloats) >= GradientChunk.MAX_CHUNKS) {
            throw new IllegalArgumentException(floats + " floats in chunks of " + chunkFloats + " are too many chunks");
        }
    }

    /** A whole vector of {@code floats} entries. */
    public ChunkLayout(long floats, int chunkFloats) {
        this(0, floats, chunkFloats);
    }

    /** Entries [start, end). */
    public static ChunkLayout between(long start, long end, int chunkFloats) {
        return new ChunkLayout(start, end - start, chunkFloats);
    }

    private static long chunks(long floats, int chunkFloats) {
        return (floats + chunkFloats - 1) / chunkFloats;
    }

    /** Chunks of one vector. */
    public int chunks() {
        return (int) chunks(floats, chunkFloats);
    }

    public long offset(int index) {
        return start + (long) index * chunkFloats;
    }

    public int length(int index) {
        return (int) Math.min(chunkFloats, start + floats - offset(index));
    }

    /** Reads entries of a vector into {@code values}, from {@code offset} on. */
    public interface Source {
        void copy(Payload payload, long offset, float[] values);
    }

    /** Emits every chunk of each of {@code payloads}, read from {@code source}. */
    public void emit(List<Payload> payloads, Source source, WirePrecision wire, Consumer<GradientChunk> out) {
        for (Payload payload : payloads) {
            for (int i = 0; i < chunks(); i++) {
                float[] values = new float[length(i)];
                source.copy(payload, offset(i), values);
                out.accept(new GradientChunk(payload, i, values, wire));
            }
        }
    }
}
