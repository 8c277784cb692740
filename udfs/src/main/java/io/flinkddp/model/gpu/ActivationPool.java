package io.flinkddp.model.gpu;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Activation and activation-gradient memory of a network on one device, reused across steps: an array
 * given back goes to a free list of its size and the next request of that size takes it, so after the
 * first step of a batch shape nothing is allocated, and the peak is what the step holds at once (a
 * buffer is reused once its last reader has been queued: the stream runs calls in order). Keeps every
 * array it allocated until {@link #close}.
 */
final class ActivationPool implements AutoCloseable {

    private final GpuDevice device;
    private final Map<List<Object>, ArrayDeque<DeviceArray>> free = new HashMap<>();
    private final List<DeviceArray> all = new ArrayList<>();

    ActivationPool(GpuDevice device) {
        this.device = device;
    }

    DeviceArray take(long count, Element element) {
        ArrayDeque<DeviceArray> same = free.get(List.of(count, element));
        if (same != null && !same.isEmpty()) {
            return same.pop();
        }
        DeviceArray fresh = device.allocate(count * element.bytes);
        all.add(fresh);
        return element == Element.F32 ? fresh : fresh.as(element);
    }

    void give(DeviceArray array) {
        if (array != null) {
            free.computeIfAbsent(List.of(array.elements(), array.element()), k -> new ArrayDeque<>()).push(array);
        }
    }

    @Override
    public void close() {
        all.forEach(DeviceArray::close);
        all.clear();
        free.clear();
    }
}
