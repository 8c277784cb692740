package io.flinkddp.model.gpu;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The convolutions of one device at one precision, planned on first use and kept: the algorithm search
 * runs once per {@link ConvShape} (ResNet50 has a few dozen distinct shapes per batch size). Closing it
 * frees every plan's descriptors.
 */
public final class ConvolutionPlans implements AutoCloseable {

    private final GpuDevice device;
    private final Precision precision;
    private final Map<ConvShape, Convolution> plans = new LinkedHashMap<>();

    public ConvolutionPlans(GpuDevice device, Precision precision) {
        this.device = device;
        this.precision = precision;
    }

    public Convolution plan(ConvShape shape) {
        return plans.computeIfAbsent(shape, s -> new Convolution(device, s, precision));
    }

    public int size() {
        return plans.size();
    }

    @Override
    public void close() {
        plans.values().forEach(Convolution::close);
        plans.clear();
    }
}
