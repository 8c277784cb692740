package io.flinkddp.model;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What {@link Engines} gives a training slot for its attempt: the engine, the DL4J network it was
 * built from (model.zip is written from it), and the slot's device claim (null when none was taken).
 * {@link #close} closes the engine, then gives the device back.
 */
public record SlotEngine(ReplicaEngine engine, ComputationGraph network, DeviceClaim device) implements AutoCloseable {

    /** The network with the engine's current parameters, for model.zip. */
    public ComputationGraph trainedNetwork() {
        network.params().assign(Nd4j.createFromArray(engine.read(EngineBuffer.PARAMETERS)).reshape(network.params().shape()));
        return network;
    }

    @Override
    public void close() {
        try {
            engine.close();
        } finally {
            if (device != null) {
                device.close();
            }
        }
    }
}
