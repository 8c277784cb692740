package io.flinkddp.model;

import java.util.Set;
import org.deeplearning4j.nn.graph.ComputationGraph;

/** The CPU engine ({@link CpuEngine}: libnd4j's native ops and {@link io.flinkddp.model.kernels.CpuKernels}) holds the engine contract. */
class CpuEngineTest extends EngineContract {

    @Override
    protected ReplicaEngine engine(ComputationGraph net, Set<String> frozen) {
        return new CpuEngine(net, frozen, SIDE);
    }
}
