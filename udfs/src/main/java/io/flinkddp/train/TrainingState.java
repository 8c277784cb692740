package io.flinkddp.train;

import io.flinkddp.model.BatchStats;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything that training needs to go on exactly where it stopped, taken between two SGD steps: the
 * parameters (batch-norm running statistics included), the momentum buffer, the ReduceLROnPlateau state,
 * the step counter, the finished epochs' metrics and the current epoch's training sums. The batch order
 * needs no state of its own: each epoch's order comes from (seed, epoch, slot), so the step counter fixes
 * the remaining batches.
 *
 * <p>{@link #write} and {@link #read} use a versioned binary layout; the float arrays go in bulk.
 */
public record TrainingState(
        long stepsApplied,
        long roundsPerEpoch,
        long allTrainImages,
        long allValidationImages,
        double learningRate,
        double bestValidationLoss,
        int badEpochs,
        BatchStats epochTrain,
        double epochElapsedSeconds,
        List<EpochMetrics> history,
        List<Long> resumedFromSteps,
        float[] parameters,
        float[] velocity) {

    private static final int MAGIC = 0x46444450; // "FDDP"
    private static final int VERSION = 1;
    private static final int FLOATS_PER_WRITE = 1 << 18;

    public TrainingState {
        history = List.copyOf(history);
        resumedFromSteps = List.copyOf(resumedFromSteps);
        if (parameters.length != velocity.length) {
            throw new IllegalArgumentException("parameters (" + parameters.length + ") and momentum buffer (" + velocity.length
                    + ") differ in length");
        }
    }

    public int epochsCompleted() {
        return history.size();
    }

    public void write(DataOutputStream out) throws IOException {
        out.writeInt(MAGIC);
        out.writeInt(VERSION);
        out.writeLong(stepsApplied);
        out.writeLong(roundsPerEpoch);
        out.writeLong(allTrainImages);
        out.writeLong(allValidationImages);
        out.writeDouble(learningRate);
        out.writeDouble(bestValidationLoss);
        out.writeInt(badEpochs);
        epochTrain.write(out);
        out.writeDouble(epochElapsedSeconds);
        out.writeInt(history.size());
        for (EpochMetrics m : history) {
            out.writeInt(m.epoch());
            for (double value : new double[] {m.trainLoss(), m.trainTop1(), m.valLoss(), m.valTop1(), m.valTop5(),
                    m.learningRate(), m.imagesPerSecond(), m.seconds()}) {
                out.writeDouble(value);
            }
        }
        out.writeInt(resumedFromSteps.size());
        for (long step : resumedFromSteps) {
            out.writeLong(step);
        }
        writeFloats(out, parameters);
        writeFloats(out, velocity);
    }

    public static TrainingState read(DataInputStream in) throws IOException {
        if (in.readInt() != MAGIC) {
            throw new IOException("not a flink-ddp training state");
        }
        int version = in.readInt();
        if (version != VERSION) {
            throw new IOException("training state version " + version + " is not supported (expected " + VERSION + ")");
        }
        long steps = in.readLong();
        long roundsPerEpoch = in.readLong();
        long train = in.readLong();
        long validation = in.readLong();
        double learningRate = in.readDouble();
        double best = in.readDouble();
        int badEpochs = in.readInt();
        BatchStats epochTrain = BatchStats.read(in);
        double elapsed = in.readDouble();
        int epochs = in.readInt();
        List<EpochMetrics> history = new ArrayList<>(epochs);
        for (int i = 0; i < epochs; i++) {
            history.add(new EpochMetrics(in.readInt(), in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble(),
                    in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble()));
        }
        int resumes = in.readInt();
        List<Long> resumed = new ArrayList<>(resumes);
        for (int i = 0; i < resumes; i++) {
            resumed.add(in.readLong());
        }
        return new TrainingState(steps, roundsPerEpoch, train, validation, learningRate, best, badEpochs, epochTrain, elapsed,
                history, resumed, readFloats(in), readFloats(in));
    }

    private static void writeFloats(DataOutputStream out, float[] values) throws IOException {
        out.writeInt(values.length);
        ByteBuffer bytes = ByteBuffer.allocate(FLOATS_PER_WRITE * Float.BYTES).order(ByteOrder.BIG_ENDIAN);
        FloatBuffer floats = bytes.asFloatBuffer();
        for (int from = 0; from < values.length; from += FLOATS_PER_WRITE) {
            int count = Math.min(FLOATS_PER_WRITE, values.length - from);
            floats.clear();
            floats.put(values, from, count);
            out.write(bytes.array(), 0, count * Float.BYTES);
        }
    }

    private static float[] readFloats(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0) {
            throw new IOException("negative array length " + length);
        }
        float[] values = new float[length];
        ByteBuffer bytes = ByteBuffer.allocate(FLOATS_PER_WRITE * Float.BYTES).order(ByteOrder.BIG_ENDIAN);
        for (int from = 0; from < length; from += FLOATS_PER_WRITE) {
            int count = Math.min(FLOATS_PER_WRITE, length - from);
            in.readFully(bytes.array(), 0, count * Float.BYTES);
            bytes.asFloatBuffer().get(values, from, count);
        }
        return values;
    }
}
