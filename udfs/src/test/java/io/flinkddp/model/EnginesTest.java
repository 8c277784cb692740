package io.flinkddp.model;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flinkddp.config.InvalidSettingsException;
import io.flinkddp.config.TrainingSettings;
import io.flinkddp.model.gpu.GpuAvailability;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The factory gives a slot the engine --device asks for: the CPU engine for cpu and auto; for gpu on a host
 * that cannot run the GPU engine (this one: no GPU), one line naming what is missing, and no device claim left behind.
 */
class EnginesTest {

    private static TrainingSettings settings(String... args) {
        return TrainingSettings.parse(Map.of(), args, "file:///data", "runs/x");
    }

    @Test
    void cpuAndAutoGiveTheCpuEngine() {
        for (String device : List.of("cpu", "auto")) {
            try (SlotEngine slot = Engines.forTraining(settings("--device", device, "--model", "cnn-small", "--crop", "32"), 3, List.of(),
                    true)) {
                assertInstanceOf(CpuEngine.class, slot.engine(), device);
            }
        }
    }

    @Test
    void gpuWithoutAUsableGpuSaysWhatIsMissing() {
        String problem = GpuAvailability.problem().orElse(null);
        Assumptions.assumeTrue(problem != null, "this host has a usable GPU; the check is for hosts without one");
        int before = new DeviceClaims(DeviceClaims.DEFAULT_DIRECTORY, 1).claimsOf(0);
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class,
                () -> Engines.forTraining(settings("--device", "gpu", "--crop", "32"), 3, List.of(), true));
        assertTrue(e.getMessage().equals("--device gpu: " + problem), e.getMessage());
        assertTrue(new DeviceClaims(DeviceClaims.DEFAULT_DIRECTORY, 1).claimsOf(0) <= before, "no claim left behind");
    }
}
