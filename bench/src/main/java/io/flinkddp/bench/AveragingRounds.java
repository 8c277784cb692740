package io.flinkddp.bench;

import io.flinkddp.config.WirePrecision;
import io.flinkddp.data.DecodedImage;
import io.flinkddp.functions.ByChunk;
import io.flinkddp.functions.BySlot;
import io.flinkddp.functions.Names;
import io.flinkddp.functions.SumGradientChunks;
import io.flinkddp.train.GradientChunk;
import java.io.FileWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.DataSet;
import org.apache.flink.api.java.ExecutionEnvironment;
import org.apache.flink.api.java.io.DiscardingOutputFormat;
import org.apache.flink.api.java.operators.IterativeDataSet;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;

/**
 * Rounds of gradient averaging through Flink with the compute stubbed out: the job's bulk iteration
 * (train-round, chunks-by-index, sum-gradients, the sums broadcast back) with {@link StubTrainRound} in
 * place of TrainOnSlot, on a local Flink with 2 slots. For every combination of the list-valued options
 * it runs one job and appends each round's wall time to a CSV:
 * {@code run,variant,floats,images_per_slot,chunk_floats,round,seconds}.
 *
 * <pre>
 * AveragingRounds --csv FILE [--run NAME] [--floats 25557032,100000] [--images-per-slot 1000,64000]
 *                 [--variants once,reread] [--chunk-floats 524288] [--wire-precision fp32,bf16]
 *                 [--rounds 12] [--slots 2] [--conf flink.key=value,...] [--label-suffix -x]
 *
 * The Flink configuration is that of {@code $FLINK_CONF_DIR} (the scripts pass the project's conf/),
 * as bin/train-local uses it, plus {@code --conf}.
 * </pre>
 */
public final class AveragingRounds {

    /** The project's Flink configuration (bench scripts pass conf/), as bin/train-local reads it. */
    private static final String CONF_DIR = System.getenv("FLINK_CONF_DIR");
    private static final Map<String, String> EXTRA_CONF = new HashMap<>();

    private AveragingRounds() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>(Map.of("floats", "25557032", "images-per-slot", "1000",
                "variants", "once", "chunk-floats", "524288", "rounds", "12", "slots", "2", "run", "1", "wire-precision", "fp32"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        for (String pair : options.getOrDefault("conf", "").split(",")) {
            if (!pair.isBlank()) {
                EXTRA_CONF.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
            }
        }
        String csv = options.get("csv");
        if (csv == null) {
            throw new IllegalArgumentException("--csv FILE is required");
        }
        int rounds = Integer.parseInt(options.get("rounds"));
        int slots = Integer.parseInt(options.get("slots"));
        List<String[]> configurations = new ArrayList<>();
        for (String floats : options.get("floats").split(",")) {
            for (String images : options.get("images-per-slot").split(",")) {
                for (String variant : options.get("variants").split(",")) {
                    for (String chunk : options.get("chunk-floats").split(",")) {
                        for (String precision : options.get("wire-precision").split(",")) {
                            configurations.add(new String[] {floats, images, variant, chunk, precision});
                        }
                    }
                }
            }
        }
        for (String[] c : configurations) {
            WirePrecision wire = WirePrecision.of(c[4]);
            String label = (wire == WirePrecision.FP32 ? c[2] : c[2] + "-" + c[4]) + options.getOrDefault("label-suffix", "");
            double[] seconds = run(Integer.parseInt(c[0]), Integer.parseInt(c[1]), "reread".equals(c[2]), Integer.parseInt(c[3]), wire,
                    rounds, slots);
            try (PrintWriter out = new PrintWriter(new FileWriter(csv, true))) {
                for (int r = 0; r < seconds.length; r++) {
                    out.printf("%s,%s,%s,%s,%s,%d,%.6f%n", options.get("run"), label, c[0], c[1], c[3], r + 2, seconds[r]);
                }
            }
            double[] steady = Arrays.copyOfRange(seconds, Math.min(2, seconds.length - 1), seconds.length);
            System.out.printf("flink %s floats=%s images/slot=%s chunk=%s: median round %.4f s (supersteps 4..%d)%n",
                    label, c[0], c[1], c[3], StepBench.median(steady), rounds - 1);
        }
    }

    /** Runs one job of {@code rounds} supersteps; returns the wall time of rounds 2..rounds (round 1 reads the shard). */
    static double[] run(int floats, int imagesPerSlot, boolean reread, int chunkFloats, WirePrecision wire, int rounds, int slots) throws Exception {
        Configuration conf = CONF_DIR != null ? GlobalConfiguration.loadConfiguration(CONF_DIR) : new Configuration();
        EXTRA_CONF.forEach(conf::setString);
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, slots);
        conf.set(RestOptions.BIND_PORT, "0");
        ExecutionEnvironment env = ExecutionEnvironment.createLocalEnvironment(conf);
        env.setParallelism(slots);

        DataSet<DecodedImage> shards = env.generateSequence(0, (long) imagesPerSlot * slots - 1).name("synthetic-images")
                .map(new SyntheticImage(slots)).name("decode-images")
                .partitionCustom(new BySlot(), "slot").name("shard-by-slot");
        IterativeDataSet<GradientChunk> loop = env.fromCollection(List.of(), TypeInformation.of(GradientChunk.class))
                .name("no-gradient-yet").iterate(rounds);
        loop.setParallelism(slots).name("training-rounds");
        DataSet<GradientChunk> sums = shards
                .mapPartition(new StubTrainRound(floats, chunkFloats, reread, wire)).name("train-round")
                .withBroadcastSet(loop, Names.GRADIENT_SUMS)
                .partitionCustom(new ByChunk(), new GradientChunk.Key()).name("chunks-by-index")
                .mapPartition(new SumGradientChunks()).name("sum-gradients");
        loop.closeWith(sums).output(new DiscardingOutputFormat<>()).name("end-of-training");
        JobExecutionResult result = env.execute("averaging rounds");

        List<Long> starts = new ArrayList<>(result.getAccumulatorResult(StubTrainRound.SUPERSTEP_STARTS));
        if (starts.size() != rounds) {
            throw new IllegalStateException("recorded " + starts.size() + " superstep starts, expected " + rounds);
        }
        starts.sort(null);
        List<Long> put = result.getAccumulatorResult(StubTrainRound.PUT_NANOS);
        List<Long> emit = result.getAccumulatorResult(StubTrainRound.EMIT_NANOS);
        System.out.printf("flink breakdown (slot 0, superstep 2..%d, s): put sums %s, emit chunks %s%n", rounds,
                put.subList(1, put.size()).stream().map(n -> String.format("%.3f", n / 1e9)).toList(),
                emit.subList(1, emit.size()).stream().map(n -> String.format("%.3f", n / 1e9)).toList());
        double[] seconds = new double[rounds - 2];
        for (int r = 1; r + 1 < rounds; r++) {
            seconds[r - 1] = (starts.get(r + 1) - starts.get(r)) / 1e9;
        }
        return seconds;
    }

    /** A decoded 32x32 RGB image with pseudo-random pixels, assigned to slot {@code n % slots}. */
    static final class SyntheticImage implements MapFunction<Long, DecodedImage> {
        private final int slots;

        SyntheticImage(int slots) {
            this.slots = slots;
        }

        @Override
        public DecodedImage map(Long n) {
            DecodedImage image = new DecodedImage();
            image.label = (int) (n % 10);
            image.slot = (int) (n % slots);
            image.order = n;
            image.pixels = new byte[32 * 32 * 3];
            new java.util.Random(n).nextBytes(image.pixels);
            return image;
        }
    }
}
