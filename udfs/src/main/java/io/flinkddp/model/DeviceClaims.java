package io.flinkddp.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.management.InstanceAlreadyExistsException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/**
 * Which accelerator each training subtask on one host uses. In: a lock directory shared by everything
 * on the host ({@link #DEFAULT_DIRECTORY} unless told otherwise) and the number of devices. Out: a
 * {@link DeviceClaim} for the device with the fewest claims, the lowest index on a tie, so subtasks
 * get different GPUs while there are enough and share them evenly beyond that. Plain Java, no ND4J:
 * {@link DeviceBinding} asks ND4J for the device count and binds the thread.
 *
 * <p>Kept: nothing in memory. Claim {@code k} of device {@code d} is an OS lock on
 * {@code <directory>/device-d.claim-k.lock}, so claims hold across jobs, class loaders and processes,
 * and the OS frees them when a process dies. A claim lasts until {@link DeviceClaim#close} or the end
 * of its process. The lock files are empty and stay (deleting a lock file others may have open breaks
 * the protocol); there are as many per device as it ever had claims at once. Claims are decided one
 * at a time host-wide ({@link DecisionLock}).
 *
 * <p>One catch, handled here: on Linux, closing any channel of a file frees every lock the JVM holds
 * on that file, so this JVM must never open and close a second channel on a file it has locked, even
 * from another job's class loader. A JVM-wide registry (the platform MBeanServer, one name per claim
 * under {@value #JMX_DOMAIN}, also visible in JMX) says which files this JVM holds; those are counted
 * without being opened.
 */
public final class DeviceClaims {

    /** {@code <java.io.tmpdir>/flink-ddp-devices}. */
    public static final Path DEFAULT_DIRECTORY = Path.of(System.getProperty("java.io.tmpdir"), "flink-ddp-devices");
    static final String JMX_DOMAIN = "io.flinkddp";

    private static final Pattern LOCK_FILE = Pattern.compile("device-(\\d+)\\.claim-(\\d+)\\.lock");
    /**
     * Channels of files that another part of this JVM locked outside this protocol: closing them
     * would free that lock, so they stay open as long as this class is loaded.
     */
    private static final List<FileChannel> NEVER_CLOSE = new ArrayList<>();

    private final Path directory;
    private final int devices;
    private final MBeanServer registry = ManagementFactory.getPlatformMBeanServer();

    /** Claims among {@code devices} devices, with lock files in {@link #DEFAULT_DIRECTORY}. */
    public DeviceClaims(int devices) {
        this(DEFAULT_DIRECTORY, devices);
    }

    /**
     * Claims among {@code devices} devices, with lock files in {@code directory}, created if missing.
     *
     * @throws IllegalStateException naming the directory if it cannot be created or written
     */
    public DeviceClaims(Path directory, int devices) {
        if (devices < 1) {
            throw new IllegalArgumentException("need at least one device, got " + devices);
        }
        try {
            Files.createDirectories(directory);
            this.directory = directory.toRealPath();
        } catch (IOException e) {
            throw new IllegalStateException("cannot create the device claim directory " + directory + ": " + e, e);
        }
        if (!Files.isWritable(this.directory)) {
            throw new IllegalStateException("cannot write the device claim directory " + this.directory);
        }
        this.devices = devices;
    }

    public Path directory() {
        return directory;
    }

    public int devices() {
        return devices;
    }

    /**
     * Claims the device with the fewest claims on this host, the lowest index on a tie. Waits while
     * another process is deciding (milliseconds), at most {@value DecisionLock#TIMEOUT_MILLIS} ms.
     */
    public DeviceClaim claim() {
        synchronized (DecisionLock.JVM_MONITOR) {
            try (FileChannel decision = DecisionLock.take(directory)) {
                BitSet[] held = heldClaims();
                while (true) {
                    int best = 0;
                    for (int device = 1; device < devices; device++) {
                        if (held[device].cardinality() < held[best].cardinality()) {
                            best = device;
                        }
                    }
                    int level = held[best].nextClearBit(0);
                    DeviceClaim claim = take(best, level);
                    if (claim != null) {
                        return claim;
                    }
                    held[best].set(level);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot claim a device in " + directory, e);
            }
        }
    }

    /** How many claims {@code device} has on this host, from every job and process. */
    public int claimsOf(int device) {
        if (device < 0 || device >= devices) {
            throw new IllegalArgumentException("device " + device + " is not in 0.." + (devices - 1));
        }
        synchronized (DecisionLock.JVM_MONITOR) {
            try (FileChannel decision = DecisionLock.take(directory)) {
                return heldClaims()[device].cardinality();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot count the claims in " + directory, e);
            }
        }
    }

    /** Which claim levels of each device are held, by whom ever. Runs under the decision lock. */
    private BitSet[] heldClaims() throws IOException {
        int[] levels = new int[devices];
        try (Stream<Path> files = Files.list(directory)) {
            files.forEach(file -> {
                Matcher name = LOCK_FILE.matcher(file.getFileName().toString());
                if (name.matches()) {
                    int device = Integer.parseInt(name.group(1));
                    if (device < devices) {
                        levels[device] = Math.max(levels[device], Integer.parseInt(name.group(2)) + 1);
                    }
                }
            });
        }
        BitSet[] held = new BitSet[devices];
        for (int device = 0; device < devices; device++) {
            held[device] = new BitSet();
            for (int level = 0; level < levels[device]; level++) {
                if (isHeld(device, level)) {
                    held[device].set(level);
                }
            }
        }
        return held;
    }

    private boolean isHeld(int device, int level) throws IOException {
        if (registry.isRegistered(jmxName(device, level))) {
            return true;
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(lockFile(device, level), StandardOpenOption.WRITE);
        } catch (NoSuchFileException e) {
            return false;
        }
        FileLock probe;
        try {
            probe = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            neverClose(channel);
            return true;
        }
        if (probe != null) {
            probe.release();
        }
        channel.close();
        return probe == null;
    }

    /** Claim {@code level} of {@code device}, or null if someone holds it. Runs under the decision lock. */
    private DeviceClaim take(int device, int level) throws IOException {
        ObjectName name = jmxName(device, level);
        Path file = lockFile(device, level);
        DeviceClaim claim = new DeviceClaim(device, level, file, name, registry);
        try {
            registry.registerMBean(claim, name);
        } catch (InstanceAlreadyExistsException e) {
            return null;
        } catch (JMException e) {
            throw new IllegalStateException("cannot register the device claim " + name, e);
        }
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock != null) {
                claim.hold(channel, lock);
                return claim;
            }
            channel.close();
        } catch (OverlappingFileLockException e) {
            neverClose(channel);
        } catch (IOException | RuntimeException e) {
            if (channel != null) {
                channel.close();
            }
            claim.close();
            throw e;
        }
        claim.close();
        return null;
    }

    private Path lockFile(int device, int level) {
        return directory.resolve("device-" + device + ".claim-" + level + ".lock");
    }

    private ObjectName jmxName(int device, int level) {
        try {
            return new ObjectName(JMX_DOMAIN + ":type=DeviceClaim,directory=" + ObjectName.quote(directory.toString())
                    + ",device=" + device + ",claim=" + level);
        } catch (MalformedObjectNameException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void neverClose(FileChannel channel) {
        synchronized (NEVER_CLOSE) {
            NEVER_CLOSE.add(channel);
        }
    }
}
