package io.flinkddp.model.gpu;

import io.flinkddp.model.Dl4jDescription;
import io.flinkddp.model.EngineContract;
import io.flinkddp.model.ReplicaEngine;
import java.util.Set;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * The GPU engine's logic ({@link GpuEngine}, {@link GpuGraph}: buffers, layout, batch-norm statistics,
 * lifetimes, gradient reports, the update rules on its primitives) holds the engine contract without a
 * GPU, on {@link HostOps}, the GPU operations as plain Java loops. The operations themselves on a GPU are
 * checked against PyTorch on the GPU ({@code bench/gpu/ops-check.sh}).
 */
class HostGpuEngineTest extends EngineContract {

    @Override
    protected ReplicaEngine engine(ComputationGraph net, Set<String> frozen) {
        return new GpuEngine(Dl4jDescription.of(net, frozen), net.params().toFloatVector(), new HostOps(), SIDE);
    }
}
