package io.flinkddp.data;

import java.nio.charset.StandardCharsets;

/** Deterministic 64-bit mixing for seeded, platform-independent orders (SplitMix64 finaliser, FNV-1a for text). */
public final class Seeds {

    private Seeds() {
    }

    public static long mix(long... values) {
        long h = 0x9E3779B97F4A7C15L;
        for (long value : values) {
            h = splitMix(h ^ splitMix(value));
        }
        return h;
    }

    public static long hash(long seed, String text) {
        long h = 0xcbf29ce484222325L;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        return mix(seed, h);
    }

    private static long splitMix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
