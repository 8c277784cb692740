package io.flinkddp.model;

import io.flinkddp.config.CommonOptions;
import io.flinkddp.config.InvalidSettingsException;
import io.flinkddp.config.TrainingSettings;
import io.flinkddp.model.gpu.CudaOps;
import io.flinkddp.model.gpu.GpuAvailability;
import io.flinkddp.model.gpu.GpuDevice;
import io.flinkddp.model.gpu.GpuEngine;
import io.flinkddp.model.gpu.Precision;
import io.flinkddp.model.weights.InitialWeights;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks and builds the engine of a training slot or a scoring subtask from {@code --device}, so that no
 * Flink function changes when an engine is added: {@code cpu} and {@code auto} give the {@link CpuEngine}
 * ({@code auto} until the GPU engine has passed its checks on a GPU), {@code gpu} the {@link GpuEngine} on
 * the GPU this subtask claims. Keeps nothing.
 */
public final class Engines {

    private static final Logger LOG = LoggerFactory.getLogger(Engines.class);

    private Engines() {
    }

    /**
     * A training slot's engine: claims the least-used device of the host for the calling thread among
     * {@code gpus} (Flink's {@code gpu} external resource; empty: every device this process sees), builds
     * the network of {@code settings} and, on a fresh start ({@code loadInitialWeights}), loads
     * {@code --init-weights}. The claim is given back if anything fails, and by {@link SlotEngine#close}.
     * With {@code --device gpu} on a host that cannot run the GPU engine: an {@link InvalidSettingsException}
     * naming what is missing.
     */
    public static SlotEngine forTraining(TrainingSettings settings, int numClasses, List<Integer> gpus, boolean loadInitialWeights) {
        boolean gpu = settings.device().equals(CommonOptions.DEVICE_GPU);
        if (settings.device().equals(CommonOptions.DEVICE_AUTO) && GpuAvailability.problem().isEmpty()) {
            LOG.warn("this TaskManager can run the GPU engine, but --device auto keeps the CPU engine until the GPU engine has"
                    + " passed its checks on a GPU (README, GPUs): pass --device gpu to train on the GPU");
        }
        DeviceClaim device = gpu ? claimGpu(gpus) : DeviceBinding.claimForCurrentThread(gpus);
        try {
            ComputationGraph net = Networks.build(settings, numClasses);
            if (loadInitialWeights) {
                settings.initWeights().ifPresent(uri -> InitialWeights.load(uri, net));
            }
            Set<String> frozen = Networks.frozenVertices(net, settings.freeze());
            ReplicaEngine engine = gpu ? gpuEngine(net, frozen, DeviceBinding.deviceOf(device.device(), gpus), settings.precision(),
                    settings.cropPixels()) : new CpuEngine(net, frozen, settings.cropPixels());
            return new SlotEngine(engine, net, device);
        } catch (RuntimeException | Error e) {
            device.close();
            throw e;
        }
    }

    /** The CPU engine of a training slot for a network already built ({@code device}: its claim, or null). */
    public static SlotEngine forNetwork(TrainingSettings settings, ComputationGraph net, DeviceClaim device) {
        return new SlotEngine(new CpuEngine(net, Networks.frozenVertices(net, settings.freeze()), settings.cropPixels()), net, device);
    }

    /** An engine that scores images of {@code cropPixels} with {@code net} in inference mode, on {@code device} (--device). */
    public static SlotEngine forScoring(ComputationGraph net, int cropPixels, String device, String precision, List<Integer> gpus) {
        if (!device.equals(CommonOptions.DEVICE_GPU)) {
            return new SlotEngine(new CpuEngine(net, Set.of(), cropPixels), net, null);
        }
        DeviceClaim claim = claimGpu(gpus);
        try {
            return new SlotEngine(gpuEngine(net, Set.of(), DeviceBinding.deviceOf(claim.device(), gpus), precision, cropPixels), net, claim);
        } catch (RuntimeException | Error e) {
            claim.close();
            throw e;
        }
    }

    /** Claims one of the host's GPUs, or says in one line why this host cannot run the GPU engine. */
    private static DeviceClaim claimGpu(List<Integer> gpus) {
        GpuAvailability.problem().ifPresent(problem -> {
            throw new InvalidSettingsException("--device gpu: " + problem);
        });
        return new DeviceClaims(DeviceClaims.DEFAULT_DIRECTORY, gpus.isEmpty() ? GpuAvailability.deviceCount() : gpus.size()).claim();
    }

    private static ReplicaEngine gpuEngine(ComputationGraph net, Set<String> frozen, int cudaDevice, String precision, int side) {
        return new GpuEngine(Dl4jDescription.of(net, frozen), net.params().toFloatVector(),
                new CudaOps(new GpuDevice(cudaDevice), Precision.valueOf(precision.toUpperCase(Locale.ROOT))), side);
    }
}
