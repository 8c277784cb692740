package io.flinkddp.model;

import java.nio.file.Path;
import java.util.List;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Claims an ND4J device for the calling thread and binds the thread to it: the only place where
 * {@link DeviceClaims} meets ND4J. The devices are the GPUs Flink gave the TaskManager as an external
 * resource ({@link GpuResources}) when it has them, else {@code Nd4j.getAffinityManager()
 * .getNumberOfDevices()}: the GPUs CUDA shows this process, or one device, the CPU, on nd4j-native,
 * which every slot then shares. Keeps nothing; the caller closes the returned claim.
 */
public final class DeviceBinding {

    private DeviceBinding() {
    }

    /** Claims with lock files in {@link DeviceClaims#DEFAULT_DIRECTORY}, among {@code gpus} if any. */
    public static DeviceClaim claimForCurrentThread(List<Integer> gpus) {
        return claimForCurrentThread(DeviceClaims.DEFAULT_DIRECTORY, gpus);
    }

    public static DeviceClaim claimForCurrentThread(Path lockDirectory, List<Integer> gpus) {
        int count = gpus.isEmpty() ? Nd4j.getAffinityManager().getNumberOfDevices() : gpus.size();
        DeviceClaim claim = new DeviceClaims(lockDirectory, count).claim();
        try {
            Nd4j.getAffinityManager().unsafeSetDevice(deviceOf(claim.device(), gpus));
        } catch (RuntimeException e) {
            claim.close();
            throw e;
        }
        return claim;
    }

    /** The ND4J device of the {@code claimed}-th of the devices: that GPU's index, or {@code claimed} itself without external GPUs. */
    public static int deviceOf(int claimed, List<Integer> gpus) {
        return gpus.isEmpty() ? claimed : gpus.get(claimed);
    }
}
