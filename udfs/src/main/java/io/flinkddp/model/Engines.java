package io.flinkddp.model;

import io.flinkddp.config.TrainingSettings;
import io.flinkddp.model.weights.InitialWeights;
import java.util.List;
import java.util.Set;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Picks and builds the engine of a training slot or a scoring subtask, so that no Flink function
 * changes when an engine is added. Today every slot gets the {@link CpuEngine}: the GPU engine
 * ({@code io.flinkddp.model.gpu}) is not behind the seam yet. Keeps nothing.
 */
public final class Engines {

    private Engines() {
    }

    /**
     * A training slot's engine: claims the least-used device of the host for the calling thread among
     * {@code gpus} (Flink's {@code gpu} external resource; empty: what ND4J shows, see {@link DeviceBinding}),
     * builds the network of {@code settings} and, on a fresh start ({@code loadInitialWeights}), loads
     * {@code --init-weights}. The claim is given back if anything fails, and by {@link SlotEngine#close}.
     */
    public static SlotEngine forTraining(TrainingSettings settings, int numClasses, List<Integer> gpus, boolean loadInitialWeights) {
        DeviceClaim device = DeviceBinding.claimForCurrentThread(gpus);
        try {
            ComputationGraph net = Networks.build(settings, numClasses);
            if (loadInitialWeights) {
                settings.initWeights().ifPresent(uri -> InitialWeights.load(uri, net));
            }
            return forNetwork(settings, net, device);
        } catch (RuntimeException | Error e) {
            device.close();
            throw e;
        }
    }

    /** The engine of a training slot for a network already built ({@code device}: its claim, or null). */
    public static SlotEngine forNetwork(TrainingSettings settings, ComputationGraph net, DeviceClaim device) {
        return new SlotEngine(new CpuEngine(net, Networks.frozenVertices(net, settings.freeze()), settings.cropPixels()), net, device);
    }

    /** An engine that scores images of {@code cropPixels} with {@code net} in inference mode. */
    public static ReplicaEngine forScoring(ComputationGraph net, int cropPixels) {
        return new CpuEngine(net, Set.of(), cropPixels);
    }
}
