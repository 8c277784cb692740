package io.flinkddp.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import javax.management.InstanceNotFoundException;
import javax.management.MBeanRegistrationException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * One subtask's claim on a device, from {@link DeviceClaims#claim}. Holds the OS lock on its lock
 * file and its name in this JVM's registry until {@link #close}, which may be called any number of
 * times from any thread; the OS frees the lock if the process dies first.
 */
public final class DeviceClaim implements AutoCloseable, DeviceClaimMBean {

    private final int device;
    private final int level;
    private final Path lockFile;
    private final ObjectName name;
    private final MBeanServer registry;
    private FileChannel channel;
    /** Referenced so that Java's JVM-wide lock table keeps it; closing the channel releases it. */
    private FileLock lock;
    private boolean closed;

    DeviceClaim(int device, int level, Path lockFile, ObjectName name, MBeanServer registry) {
        this.device = device;
        this.level = level;
        this.lockFile = lockFile;
        this.name = name;
        this.registry = registry;
    }

    synchronized void hold(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** The claimed device's index, as ND4J numbers devices. */
    public int device() {
        return device;
    }

    /** How many claims the device already had when this one was taken (0 for the first). */
    public int level() {
        return level;
    }

    public Path lockFile() {
        return lockFile;
    }

    public synchronized boolean isClosed() {
        return closed;
    }

    /**
     * Gives the device back: closes the lock file (which frees the lock, also on an interrupted thread,
     * as when Flink cancels a task), then leaves the registry. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot release " + lockFile, e);
        } finally {
            try {
                registry.unregisterMBean(name);
            } catch (InstanceNotFoundException | MBeanRegistrationException e) {
                // not registered: nothing of ours to remove
            }
        }
    }

    @Override
    public int getDevice() {
        return device;
    }

    @Override
    public int getClaimLevel() {
        return level;
    }

    @Override
    public String getLockFile() {
        return lockFile.toString();
    }

    @Override
    public String toString() {
        return "device " + device + " (claim " + level + ", " + lockFile + (isClosed() ? ", closed)" : ")");
    }
}
