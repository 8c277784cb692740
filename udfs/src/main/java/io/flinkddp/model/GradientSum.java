package io.flinkddp.model;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The all-replica gradient sum of one round, assembled chunk by chunk (as the broadcast set delivers
 * it) into one flat ND4J vector that the SGD step reads. Kept by a {@link Replica} for its lifetime.
 */
public final class GradientSum {

    private final INDArray values;

    public GradientSum(DataType dataType, long length) {
        this.values = Nd4j.zeros(dataType, length);
    }

    /**
     * Writes {@code chunk} at entries [{@code offset}, + chunk.length), straight into the vector's host
     * memory: no temporary ND4J array, no second copy. (On CUDA the host copy is made current first and
     * then marked as the newest, so the step sees the sums.)
     */
    public void put(long offset, float[] chunk) {
        AffinityManager affinity = Nd4j.getAffinityManager();
        affinity.ensureLocation(values, AffinityManager.Location.HOST);
        FloatBuffer target = values.data().asNioFloat();
        target.position((int) (values.offset() + offset));
        target.put(chunk);
        affinity.tagLocation(values, AffinityManager.Location.HOST);
    }

    /** The whole sum, a view the step may change in place. */
    public INDArray values() {
        return values;
    }
}
