package io.flinkddp.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The all-replica gradient sum of one round, assembled chunk by chunk (as the broadcast set delivers
 * it) into one flat ND4J vector that the SGD step reads. Kept by a {@link Replica} for its lifetime.
 */
public final class GradientSum {

    private final INDArray values;

    public GradientSum(DataType dataType, long length) {
        this.values = Nd4j.zeros(dataType, length);
    }

    /** Writes {@code chunk} at entries [{@code offset}, + chunk.length). */
    public void put(long offset, float[] chunk) {
        values.get(NDArrayIndex.interval(offset, offset + chunk.length)).assign(Nd4j.createFromArray(chunk));
    }

    /** The whole sum, a view the step may change in place. */
    public INDArray values() {
        return values;
    }
}
