package io.flinkddp.bench;

import io.flinkddp.config.WirePrecision;
import io.flinkddp.data.DecodedImage;
import io.flinkddp.functions.Names;
import io.flinkddp.train.ChunkLayout;
import io.flinkddp.train.GradientChunk;
import io.flinkddp.train.Payload;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.accumulators.ListAccumulator;
import org.apache.flink.api.common.functions.RichMapPartitionFunction;
import org.apache.flink.util.Collector;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * train-round with its compute stubbed out, for the benchmarks: everything TrainOnSlot and SlotTrainer
 * do around the network, and nothing else. Input: the slot's shard (static, cached by Flink);
 * broadcast: the previous round's gradient sums; output: a fixed "gradient" of {@code floats} entries cut by
 * {@link ChunkLayout} into chunks of {@code chunkFloats} in precision {@code wire}, copied out of an ND4J
 * vector as {@code CpuEngine.copyOut} does.
 *
 * <p>State kept across rounds (ALL_ROUND), created in the first superstep: the gradient vector, the
 * ND4J vector the broadcast sums are put into through its NIO buffer (as {@code CpuEngine.putIn}), and the shard,
 * read in the first superstep only, as SlotTrainer does; with {@code rereadShard} (the control) it reads
 * the whole cached shard again every round. Subtask 0 records the wall clock at the start of every
 * superstep in the accumulator {@value #SUPERSTEP_STARTS}: a round is the gap between two starts.
 */
public class StubTrainRound extends RichMapPartitionFunction<DecodedImage, GradientChunk> {

    public static final String SUPERSTEP_STARTS = "superstep-start-nanos";
    /** Subtask 0's time per superstep putting the broadcast sums into the buffer, then emitting its chunks (ns). */
    public static final String PUT_NANOS = "put-nanos";
    public static final String EMIT_NANOS = "emit-nanos";

    private final int floats;
    private final ChunkLayout layout;
    private final boolean rereadShard;
    private final WirePrecision wire;
    private transient INDArray gradient;
    private transient INDArray sum;
    private transient List<DecodedImage> shard;
    private transient ListAccumulator<Long> starts;
    private transient ListAccumulator<Long> putNanos;
    private transient ListAccumulator<Long> emitNanos;

    public StubTrainRound(int floats, int chunkFloats, boolean rereadShard, WirePrecision wire) {
        this.wire = wire;
        this.floats = floats;
        this.layout = new ChunkLayout(floats, chunkFloats);
        this.rereadShard = rereadShard;
    }

    @Override
    public void mapPartition(Iterable<DecodedImage> input, Collector<GradientChunk> out) {
        long start = System.nanoTime();
        int slot = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        if (gradient == null) {
            gradient = Nd4j.rand(DataType.FLOAT, floats);
            sum = Nd4j.zeros(DataType.FLOAT, floats);
            shard = new ArrayList<>();
            input.forEach(shard::add);
            if (slot == 0) {
                starts = new ListAccumulator<>();
                getRuntimeContext().addAccumulator(SUPERSTEP_STARTS, starts);
                putNanos = new ListAccumulator<>();
                getRuntimeContext().addAccumulator(PUT_NANOS, putNanos);
                emitNanos = new ListAccumulator<>();
                getRuntimeContext().addAccumulator(EMIT_NANOS, emitNanos);
            }
        } else if (rereadShard) {
            long bytes = 0;
            for (DecodedImage image : input) {
                bytes += image.pixels.length;
            }
            if (bytes == 0) {
                throw new IllegalStateException("the re-read shard was empty");
            }
        }
        if (slot == 0) {
            starts.add(start);
        }
        List<GradientChunk> sums = getIterationRuntimeContext().getBroadcastVariable(Names.GRADIENT_SUMS);
        for (GradientChunk chunk : sums) {
            put(sum, layout.offset(chunk.index), chunk.values);
        }
        long put = System.nanoTime();
        FloatBuffer source = gradient.data().asNioFloat();
        layout.emit(List.of(Payload.GRADIENT), (payload, offset, values) -> {
            source.position((int) (gradient.offset() + offset));
            source.get(values);
        }, wire, out::collect);
        if (slot == 0) {
            putNanos.add(put - start);
            emitNanos.add(System.nanoTime() - put);
        }
    }

    /** Writes {@code values} at {@code offset} straight into the vector's memory. */
    static void put(INDArray target, long offset, float[] values) {
        FloatBuffer memory = target.data().asNioFloat();
        memory.position((int) (target.offset() + offset));
        memory.put(values);
    }
}
