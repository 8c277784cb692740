package io.flinkddp.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.junit.jupiter.api.Test;

/** Which device a training slot takes: the GPUs Flink's external resource reports, else ND4J's devices (stand-in infos). */
class GpuResourcesTest {

    /** As Flink's GPUInfo: one property, "index". */
    private record Info(Map<String, String> properties) implements ExternalResourceInfo {
        @Override
        public Optional<String> getProperty(String key) {
            return Optional.ofNullable(properties.get(key));
        }

        @Override
        public Collection<String> getKeys() {
            return properties.keySet();
        }
    }

    private static Info gpu(String index) {
        return new Info(Map.of("index", index));
    }

    @Test
    void theTaskManagersGpusAreTheDevicesInIndexOrder() {
        List<Integer> gpus = GpuResources.indices(Set.of(gpu("3"), gpu("1")));
        assertEquals(List.of(1, 3), gpus);
        assertEquals(1, DeviceBinding.deviceOf(0, gpus), "the first claim takes GPU 1");
        assertEquals(3, DeviceBinding.deviceOf(1, gpus), "the second GPU 3, not device 1 twice");
    }

    @Test
    void withoutTheResourceTheBackendsDevicesAreUsed() {
        List<Integer> none = GpuResources.indices(Set.of());
        assertTrue(none.isEmpty());
        assertEquals(0, DeviceBinding.deviceOf(0, none));
        assertEquals(2, DeviceBinding.deviceOf(2, none));
    }

    @Test
    void anInfoWithoutAnIndexIsNamed() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> GpuResources.indices(Set.of(new Info(Map.of("uuid", "GPU-1")))));
        assertEquals("external resource gpu without an index property: [uuid]", e.getMessage());
        assertThrows(IllegalStateException.class, () -> GpuResources.indices(Set.of(gpu("first"))));
    }
}
