package io.flinkddp.model;

import org.nd4j.linalg.factory.Nd4j;

/**
 * Which accelerator each training subtask of one TaskManager uses. Every subtask claims the device
 * with the fewest claims (the lowest index on a tie), so subtasks get different GPUs while there are
 * enough, and share them evenly beyond that. One registry per TaskManager JVM ({@link #shared}); a
 * subtask releases its device when its training ends.
 */
public final class DeviceClaims {

    private static DeviceClaims shared;

    private final int[] claims;

    public DeviceClaims(int devices) {
        if (devices < 1) {
            throw new IllegalArgumentException("need at least one device, got " + devices);
        }
        this.claims = new int[devices];
    }

    /** The registry of this JVM, created on first use with the backend's device count. */
    public static synchronized DeviceClaims shared(int devices) {
        if (shared == null || shared.claims.length != devices) {
            shared = new DeviceClaims(devices);
        }
        return shared;
    }

    /**
     * Claims a device of the ND4J backend for the calling thread and binds the thread to it. On
     * nd4j-native there is one device, the CPU, shared by every slot.
     */
    public static int claimForCurrentThread() {
        int device = shared(Nd4j.getAffinityManager().getNumberOfDevices()).claim();
        Nd4j.getAffinityManager().unsafeSetDevice(device);
        return device;
    }

    /** Releases a device claimed by {@link #claimForCurrentThread}. */
    public static void releaseShared(int device) {
        shared(Nd4j.getAffinityManager().getNumberOfDevices()).release(device);
    }

    public synchronized int claim() {
        int best = 0;
        for (int device = 1; device < claims.length; device++) {
            if (claims[device] < claims[best]) {
                best = device;
            }
        }
        claims[best]++;
        return best;
    }

    public synchronized void release(int device) {
        if (claims[device] == 0) {
            throw new IllegalStateException("device " + device + " is not claimed");
        }
        claims[device]--;
    }

    /** How many subtasks use {@code device}. */
    public synchronized int claimsOf(int device) {
        return claims[device];
    }
}
