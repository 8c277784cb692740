package io.flinkddp.model;

import java.nio.file.Path;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Claims an ND4J device for the calling thread and binds the thread to it: the only place where
 * {@link DeviceClaims} meets ND4J. The device count is {@code Nd4j.getAffinityManager()
 * .getNumberOfDevices()}: the GPUs CUDA shows this process, or one device, the CPU, on nd4j-native,
 * which every slot then shares. Keeps nothing; the caller closes the returned claim.
 */
public final class DeviceBinding {

    private DeviceBinding() {
    }

    /** Claims with lock files in {@link DeviceClaims#DEFAULT_DIRECTORY}. */
    public static DeviceClaim claimForCurrentThread() {
        return claimForCurrentThread(DeviceClaims.DEFAULT_DIRECTORY);
    }

    public static DeviceClaim claimForCurrentThread(Path lockDirectory) {
        DeviceClaim claim = new DeviceClaims(lockDirectory, Nd4j.getAffinityManager().getNumberOfDevices()).claim();
        try {
            Nd4j.getAffinityManager().unsafeSetDevice(claim.device());
        } catch (RuntimeException e) {
            claim.close();
            throw e;
        }
        return claim;
    }
}
