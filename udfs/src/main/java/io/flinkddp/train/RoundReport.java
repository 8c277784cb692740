package io.flinkddp.train;

import io.flinkddp.data.InvalidDataException;
import io.flinkddp.model.BatchStats;
import java.io.IOException;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.Value;

/**
 * What one slot reports in a round, and (once aggregated by Flink over all slots) what every slot
 * reads at the start of the next round. Sums add up, maxima and minima combine; see {@link #add}.
 */
public class RoundReport implements Value {

    /** Images in this round's gradients, over all slots: the divisor of the gradient sum. */
    public long roundSamples;
    /** Decoded images in the shards (reported in the first round only). */
    public long trainImages;
    public long validationImages;
    /** The largest training shard: one epoch is one pass over it. */
    public long largestTrainShard;
    /** The epoch whose results this report carries, or 0. */
    public int evaluatedEpoch;
    /** Loss and accuracy sums of this round's training minibatches. */
    public BatchStats roundTrain = BatchStats.EMPTY;
    public BatchStats validation = BatchStats.EMPTY;
    /** Range of the replicas' parameter fingerprints at the evaluation: equal when the replicas are identical. */
    public long fingerprintMin = Long.MAX_VALUE;
    public long fingerprintMax = Long.MIN_VALUE;
    public boolean finished;

    public void add(RoundReport other) {
        roundSamples += other.roundSamples;
        trainImages += other.trainImages;
        validationImages += other.validationImages;
        largestTrainShard = Math.max(largestTrainShard, other.largestTrainShard);
        evaluatedEpoch = Math.max(evaluatedEpoch, other.evaluatedEpoch);
        roundTrain = roundTrain.plus(other.roundTrain);
        validation = validation.plus(other.validation);
        fingerprintMin = Math.min(fingerprintMin, other.fingerprintMin);
        fingerprintMax = Math.max(fingerprintMax, other.fingerprintMax);
        finished |= other.finished;
    }

    /** Round 1: this slot's decoded training and validation images. */
    public void shardSizes(long train, long validation) {
        trainImages = train;
        validationImages = validation;
        largestTrainShard = train;
    }

    /** At an evaluation: this replica's parameter fingerprint. */
    public void fingerprint(long fingerprint) {
        fingerprintMin = fingerprint;
        fingerprintMax = fingerprint;
    }

    /** Round 1's aggregate: fails, naming the data, if no slot could decode a training or a validation image. */
    public void requireDecodedImages(String data) {
        if (trainImages == 0 || validationImages == 0) {
            throw new InvalidDataException("no " + (trainImages == 0 ? "training" : "validation")
                    + " image under " + data + " could be decoded (the log names each skipped file)");
        }
    }

    public boolean replicasIdentical() {
        return fingerprintMin == fingerprintMax;
    }

    @Override
    public void write(DataOutputView out) throws IOException {
        out.writeLong(roundSamples);
        out.writeLong(trainImages);
        out.writeLong(validationImages);
        out.writeLong(largestTrainShard);
        out.writeInt(evaluatedEpoch);
        roundTrain.write(out);
        validation.write(out);
        out.writeLong(fingerprintMin);
        out.writeLong(fingerprintMax);
        out.writeBoolean(finished);
    }

    @Override
    public void read(DataInputView in) throws IOException {
        roundSamples = in.readLong();
        trainImages = in.readLong();
        validationImages = in.readLong();
        largestTrainShard = in.readLong();
        evaluatedEpoch = in.readInt();
        roundTrain = BatchStats.read(in);
        validation = BatchStats.read(in);
        fingerprintMin = in.readLong();
        fingerprintMax = in.readLong();
        finished = in.readBoolean();
    }
}
