package io.flinkddp.model;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One device-claim decision at a time on a host: callers synchronize on {@link #JVM_MONITOR} (a
 * string literal is the same object in every class loader, so this holds across jobs in one JVM), then
 * {@link #take} the OS lock on {@code <directory>/decide.lock}, which serializes processes. Closing the
 * returned channel ends the decision.
 */
final class DecisionLock {

    static final String JVM_MONITOR = "io.flinkddp.model.DeviceClaims: one claim decision at a time";
    static final long TIMEOUT_MILLIS = 30_000;

    private DecisionLock() {
    }

    /** Waits (milliseconds, normally) for the decision lock, at most {@value #TIMEOUT_MILLIS} ms. */
    static FileChannel take(Path directory) throws IOException {
        Path file = directory.resolve("decide.lock");
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the device claim directory " + directory + ": " + e, e);
        }
        long deadline = System.currentTimeMillis() + TIMEOUT_MILLIS;
        try {
            while (channel.tryLock() == null) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("another process has held " + file + " for over "
                            + TIMEOUT_MILLIS + " ms");
                }
                Thread.sleep(5);
            }
        } catch (InterruptedException e) {
            channel.close();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + file, e);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        return channel;
    }
}
