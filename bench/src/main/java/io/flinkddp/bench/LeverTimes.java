package io.flinkddp.bench;

import io.flinkddp.config.WirePrecision;
import io.flinkddp.train.GradientChunk;
import io.flinkddp.train.GradientChunkSerializer;
import org.apache.commons.math3.stat.descriptive.DescriptiveStatistics;
import org.apache.flink.api.common.typeutils.base.array.FloatPrimitiveArraySerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Single-thread times of the levers of one averaging round, each against what it replaced, over a
 * whole 25,557,032-float gradient in 2 MB chunks (median of several passes): serializing and
 * deserializing the chunks (Flink's POJO serializer's float[] field serializer, one writeFloat per
 * entry, against {@link GradientChunkSerializer} in fp32 and bf16), and putting the sums into the
 * ND4J buffer (a temporary array and assign, against a put through the NIO buffer, as {@code CpuEngine.putIn}).
 */
public final class LeverTimes {

    private static final int FLOATS = 25_557_032;
    private static final int CHUNK = 524_288;
    private static final int PASSES = 7;

    private LeverTimes() {
    }

    interface Pass {
        void run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        float[][] chunks = new float[(FLOATS + CHUNK - 1) / CHUNK][];
        java.util.Random random = new java.util.Random(1);
        for (int i = 0; i < chunks.length; i++) {
            chunks[i] = new float[Math.min(CHUNK, FLOATS - i * CHUNK)];
            for (int j = 0; j < chunks[i].length; j++) {
                chunks[i][j] = (float) random.nextGaussian();
            }
        }
        DataOutputSerializer out = new DataOutputSerializer(CHUNK * 4 + 64);
        FloatPrimitiveArraySerializer floatArray = FloatPrimitiveArraySerializer.INSTANCE;
        double pojo = time(() -> {
            for (int i = 0; i < chunks.length; i++) {
                out.clear();
                out.writeInt(i);
                floatArray.serialize(chunks[i], out);
                DataInputDeserializer in = new DataInputDeserializer(out.getSharedBuffer(), 0, out.length());
                new GradientChunk(in.readInt(), floatArray.deserialize(in));
            }
        });
        report("serialize + deserialize, POJO float[] field (per-float writeFloat)", pojo, pojo);
        for (WirePrecision wire : WirePrecision.values()) {
            GradientChunkSerializer bulk = new GradientChunkSerializer();
            double seconds = time(() -> {
                for (int i = 0; i < chunks.length; i++) {
                    out.clear();
                    bulk.serialize(new GradientChunk(i, chunks[i], wire), out);
                    bulk.deserialize(new DataInputDeserializer(out.getSharedBuffer(), 0, out.length()));
                }
            });
            report("serialize + deserialize, GradientChunkSerializer " + wire.optionValue(), seconds, pojo);
        }

        INDArray buffer = Nd4j.zeros(DataType.FLOAT, FLOATS);
        double assign = time(() -> {
            for (int i = 0; i < chunks.length; i++) {
                long offset = (long) i * CHUNK;
                buffer.get(NDArrayIndex.interval(offset, offset + chunks[i].length)).assign(Nd4j.createFromArray(chunks[i]));
            }
        });
        report("put sums, Nd4j.createFromArray + assign", assign, assign);
        INDArray sum = Nd4j.zeros(DataType.FLOAT, FLOATS);
        double put = time(() -> {
            for (int i = 0; i < chunks.length; i++) {
                StubTrainRound.put(sum, (long) i * CHUNK, chunks[i]);
            }
        });
        report("put sums, NIO FloatBuffer put", put, assign);
    }

    private static double time(Pass pass) throws Exception {
        double[] seconds = new double[PASSES];
        for (int p = 0; p < PASSES; p++) {
            long start = System.nanoTime();
            pass.run();
            seconds[p] = (System.nanoTime() - start) / 1e9;
        }
        return new DescriptiveStatistics(seconds).getPercentile(50);
    }

    private static void report(String what, double seconds, double before) {
        System.out.printf("lever %-72s %.3f s  (%.2fx the old time)%n", what, seconds, seconds / before);
    }
}
