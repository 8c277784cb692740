package io.flinkddp.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Device claims: the subtasks of one TaskManager get different GPUs, more subtasks than GPUs share them evenly,
 * and the least-used device wins, also after releases leave gaps; a released GPU is claimed next. Two class
 * loaders and two processes get different devices, and a dead process's claim is freed. Close is idempotent,
 * and a cancelled subtask releases its claim on its interrupted thread. A CPU backend has one device for every
 * slot. An unwritable claims folder is named; the default folder is under {@code java.io.tmpdir}.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DeviceClaimsTest {

    @TempDir
    Path locks;

    private final List<DeviceClaim> held = new ArrayList<>();
    private final List<Process> children = new ArrayList<>();

    @AfterEach
    void releaseEverything() {
        held.forEach(DeviceClaim::close);
        children.forEach(Process::destroyForcibly);
    }

    private DeviceClaim claim(DeviceClaims claims) {
        DeviceClaim claim = claims.claim();
        held.add(claim);
        return claim;
    }

    @Test
    void subtasksOfOneTaskManagerGetDifferentGpus() {
        DeviceClaims claims = new DeviceClaims(locks, 4);
        Set<Integer> devices = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            devices.add(claim(claims).device());
        }
        assertEquals(Set.of(0, 1, 2, 3), devices);
    }

    @Test
    void moreSubtasksThanGpusShareThemEvenly() {
        DeviceClaims claims = new DeviceClaims(locks, 2);
        List<Integer> devices = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            devices.add(claim(claims).device());
        }
        assertEquals(List.of(0, 1, 0, 1, 0, 1), devices);
        assertEquals(3, claims.claimsOf(0));
        assertEquals(3, claims.claimsOf(1));
    }

    @Test
    void aReleasedGpuIsClaimedNext() {
        DeviceClaims claims = new DeviceClaims(locks, 3);
        claim(claims);
        DeviceClaim second = claim(claims);
        claim(claims);
        second.close();
        assertEquals(0, claims.claimsOf(1));
        assertEquals(1, claim(claims).device());
        assertThrows(IllegalArgumentException.class, () -> new DeviceClaims(locks, 0));
    }

    @Test
    void theLeastUsedDeviceWinsEvenAfterReleasesLeaveGaps() {
        DeviceClaims claims = new DeviceClaims(locks, 2);
        DeviceClaim first = claim(claims);
        claim(claims);
        claim(claims);
        first.close();
        // device 0 keeps its second claim, device 1 its first: a tie, so device 0 again
        assertEquals(0, claim(claims).device());
        assertEquals(1, claim(claims).device());
    }

    @Test
    void closeIsIdempotent() {
        DeviceClaims claims = new DeviceClaims(locks, 2);
        DeviceClaim claim = claim(claims);
        claim(claims);
        claim.close();
        claim.close();
        assertTrue(claim.isClosed());
        assertEquals(0, claims.claimsOf(0));
        assertEquals(1, claims.claimsOf(1));
        assertEquals(0, claim(claims).device());
    }

    @Test
    void aCancelledSubtaskReleasesOnItsInterruptedThread() {
        DeviceClaims claims = new DeviceClaims(locks, 2);
        DeviceClaim claim = claim(claims);
        Thread.currentThread().interrupt();
        try {
            claim.close();
        } finally {
            Thread.interrupted();
        }
        assertEquals(0, claims.claimsOf(0));
    }

    @Test
    void aCpuBackendHasOneDeviceForEverySlot() {
        DeviceClaims claims = new DeviceClaims(locks, 1);
        assertEquals(0, claim(claims).device());
        assertEquals(0, claim(claims).device());
        assertEquals(2, claims.claimsOf(0));
    }

    @Test
    void anUnwritableDirectoryIsNamed() throws IOException {
        Path notADirectory = Files.createFile(locks.resolve("plain-file"));
        IllegalStateException error = assertThrows(IllegalStateException.class,
                () -> new DeviceClaims(notADirectory.resolve("devices"), 2));
        assertTrue(error.getMessage().contains(notADirectory.resolve("devices").toString()), error.getMessage());
    }

    @Test
    void theDefaultDirectoryIsUnderTmpdir() {
        assertEquals(Path.of(System.getProperty("java.io.tmpdir"), "flink-ddp-devices"), DeviceClaims.DEFAULT_DIRECTORY);
    }

    /** Two jobs on one TaskManager: each loads io.flinkddp classes in its own class loader. */
    @Test
    void twoClassLoadersGetDifferentDevices() throws Exception {
        URL classes = DeviceClaims.class.getProtectionDomain().getCodeSource().getLocation();
        try (URLClassLoader otherJob = new URLClassLoader(new URL[] {classes}, ClassLoader.getPlatformClassLoader())) {
            Class<?> otherClaims = otherJob.loadClass(DeviceClaims.class.getName());
            assertFalse(otherClaims == DeviceClaims.class);
            Object otherRegistry = otherClaims.getConstructor(Path.class, int.class).newInstance(locks, 2);
            AutoCloseable otherClaim = (AutoCloseable) otherClaims.getMethod("claim").invoke(otherRegistry);
            try {
                assertEquals(0, otherClaim.getClass().getMethod("device").invoke(otherClaim));

                DeviceClaims claims = new DeviceClaims(locks, 2);
                assertEquals(1, claim(claims).device());
                assertEquals(1, otherClaims.getMethod("claimsOf", int.class).invoke(otherRegistry, 1));
                // counting here and there opened no second channel on a held file, which would have
                // freed its lock for other processes: another process still sees both claims
                assertEquals("1 1", lineFrom(runChild("count", 2)));
            } finally {
                otherClaim.close();
            }
            assertEquals(0, new DeviceClaims(locks, 2).claimsOf(0));
        }
    }

    /** Two TaskManagers on one host, and one of them dies without releasing. */
    @Test
    void twoProcessesGetDifferentDevicesAndADeadOnesIsFreed() throws Exception {
        Process child = runChild("claim", 2);
        assertEquals("claimed 0", lineFrom(child));

        DeviceClaims claims = new DeviceClaims(locks, 2);
        assertEquals(1, claim(claims).device());
        assertEquals(1, claims.claimsOf(0));

        child.destroyForcibly();
        assertTrue(child.waitFor(5, TimeUnit.SECONDS));
        assertEquals(0, claims.claimsOf(0));
        assertEquals(0, claim(claims).device());
    }

    /** Starts {@link ClaimDeviceAndWait} in another JVM on {@link #locks}. */
    private Process runChild(String mode, int devices) throws IOException {
        String classpath = codeLocation(ClaimDeviceAndWait.class) + File.pathSeparator + codeLocation(DeviceClaims.class);
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-Xmx32m", "-cp", classpath, ClaimDeviceAndWait.class.getName(), mode,
                locks.toString(), Integer.toString(devices))
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        children.add(process);
        return process;
    }

    /** The child's next output line, waiting at most 10 s. */
    private static String lineFrom(Process process) throws Exception {
        BufferedReader output = process.inputReader(StandardCharsets.UTF_8);
        return CompletableFuture.supplyAsync(() -> {
            try {
                return output.readLine();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).get(10, TimeUnit.SECONDS);
    }

    private static String codeLocation(Class<?> type) {
        return Path.of(URI.create(type.getProtectionDomain().getCodeSource().getLocation().toString())).toString();
    }
}
