package io.flinkddp.train;

import io.flinkddp.config.TrainingSettings;
import io.flinkddp.data.ClassLabels;
import io.flinkddp.data.DecodedImage;
import io.flinkddp.data.ListingSummary;
import io.flinkddp.data.SplitImage;
import io.flinkddp.functions.SumGradientChunks;
import io.flinkddp.model.Engines;
import io.flinkddp.model.Networks;
import io.flinkddp.output.Checkpoints;
import io.flinkddp.session.SlotSession;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Several {@link SlotSession}s run round by round in one thread, as the bulk iteration runs them: the
 * checkpoint to resume from is chosen once for all slots, and each round every slot gets the previous
 * round's aggregated report and the per-key sums of all slots' chunks ({@link SumGradientChunks#add}).
 * Sessions write checkpoints and outputs under the settings' output as in the job. Used to test
 * training logic without Flink.
 */
final class Lockstep {

    private static final GradientChunkSerializer WIRE = new GradientChunkSerializer();
    final TrainingSettings settings;
    final List<SlotTrainer> slots = new ArrayList<>();
    /** Each slot's gauges. */
    final List<TrainingProgress> progress = new ArrayList<>();
    private final List<SlotSession> sessions = new ArrayList<>();
    private RoundReport previous;
    private List<GradientChunk> sums = List.of();
    private int round;

    Lockstep(TrainingSettings settings, List<DecodedImage> images, boolean resume) {
        this(settings, images, resume, true);
    }

    /** With {@code batchNorm} false, a network without batch norm, whose gradient is additive over images. */
    Lockstep(TrainingSettings settings, List<DecodedImage> images, boolean resume, boolean batchNorm) {
        this.settings = settings;
        Optional<TrainingState> resumeFrom = resume ? new Checkpoints(settings.output()).loadNewest(settings) : Optional.empty();
        ListingSummary listing = listing(images);
        for (int slot = 0; slot < settings.slots(); slot++) {
            List<DecodedImage> shard = new ArrayList<>();
            for (DecodedImage image : images) {
                if (image.slot == slot) {
                    shard.add(image);
                }
            }
            SlotSession session = new SlotSession(settings, slot, ClassLabels.ofFolders(List.of("dark", "light")), listing, System.currentTimeMillis(),
                    Engines.forNetwork(settings, tinyNet(settings.seed(), batchNorm), null), shard, resumeFrom,
                    progress(new TrainingProgress()));
            sessions.add(session);
            slots.add(session.trainer());
        }
    }

    private TrainingProgress progress(TrainingProgress gauges) {
        progress.add(gauges);
        return gauges;
    }

    /** What the listing would have found: the decoded images, by class and role. */
    private static ListingSummary listing(List<DecodedImage> images) {
        ListingSummary listing = new ListingSummary();
        listing.imagesPerClass = new long[2];
        for (DecodedImage image : images) {
            listing.found++;
            listing.imagesPerClass[image.label]++;
            if (image.role == SplitImage.TRAIN) {
                listing.train++;
            } else {
                listing.validation++;
            }
        }
        return listing;
    }

    /** Runs one round on every slot; returns the aggregated report. */
    RoundReport round() {
        round++;
        RoundReport aggregate = new RoundReport();
        Map<Integer, GradientChunk> next = new TreeMap<>();
        for (SlotSession session : sessions) {
            aggregate.add(session.round(round, previous, sums, emitted -> {
                GradientChunk chunk = overTheWire(emitted);
                GradientChunk sum = next.putIfAbsent(chunk.key(), chunk);
                if (sum != null) {
                    SumGradientChunks.add(sum.values, chunk.values);
                }
            }));
        }
        previous = aggregate;
        sums = next.values().stream().map(Lockstep::overTheWire).toList();
        return aggregate;
    }

    /** A chunk as the receiving task sees it: serialized and read back by Flink's serializer of chunks (bf16 rounding included). */
    static GradientChunk overTheWire(GradientChunk chunk) {
        try {
            DataOutputSerializer out = new DataOutputSerializer(chunk.values.length * 4 + 16);
            WIRE.serialize(chunk, out);
            return WIRE.deserialize(new DataInputDeserializer(out.getSharedBuffer(), 0, out.length()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs rounds until the slots report training finished. */
    void runToEnd() {
        while (!round().finished) {
            if (round > 1000) {
                throw new AssertionError("training did not finish within 1000 rounds");
            }
        }
    }

    static TrainingSettings settings(String output, int slots, int batch, int epochs, String... more) {
        List<String> args = new ArrayList<>(List.of("--slots", String.valueOf(slots), "--batch-size", String.valueOf(batch),
                "--epochs", String.valueOf(epochs), "--crop", "32", "--lr", "0.05"));
        args.addAll(List.of(more));
        return TrainingSettings.parse(Map.of(), args.toArray(String[]::new), "file:///data", output);
    }

    /** {@code perSlot} training and {@code perSlot / 2} validation images per slot, two classes of noisy colours, 32 px. */
    static List<DecodedImage> images(int slots, int perSlot) {
        Random random = new Random(11);
        List<DecodedImage> images = new ArrayList<>();
        long order = 0;
        for (int slot = 0; slot < slots; slot++) {
            for (int i = 0; i < perSlot + perSlot / 2; i++) {
                SplitImage split = new SplitImage();
                split.label = random.nextInt(2);
                split.role = i < perSlot ? SplitImage.TRAIN : SplitImage.VALIDATION;
                split.slot = slot;
                split.order = order++;
                byte[] pixels = new byte[32 * 32 * 3];
                for (int p = 0; p < pixels.length; p++) {
                    pixels[p] = (byte) Math.max(0, Math.min(255, (split.label == 0 ? 60 : 190) + random.nextInt(80) - 40));
                }
                images.add(new DecodedImage(split, pixels));
            }
        }
        return images;
    }

    /** A tiny network with batch norm, so that checkpoints must carry running statistics too. */
    static ComputationGraph batchNormNet(long seed) {
        return tinyNet(seed, true);
    }

    /** The tiny network, with or without batch norm (without, its gradient adds up over images). */
    static ComputationGraph tinyNet(long seed, boolean batchNorm) {
        ComputationGraphConfiguration.GraphBuilder graph = new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.FLOAT)
                .graphBuilder()
                .addInputs(Networks.INPUT)
                .setInputTypes(InputType.convolutional(32, 32, 3))
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(8)
                        .activation(batchNorm ? Activation.IDENTITY : Activation.RELU).build(), Networks.INPUT);
        if (batchNorm) {
            graph.addLayer("bn", new BatchNormalization.Builder().decay(0.9).eps(1e-5).useLogStd(false).activation(Activation.RELU)
                    .build(), "conv");
        }
        graph.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), batchNorm ? "bn" : "conv")
                .addLayer(Networks.OUTPUT, new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(2)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs(Networks.OUTPUT);
        ComputationGraph net = new ComputationGraph(graph.build());
        net.init();
        return net;
    }

    /** The largest absolute difference between two parameter vectors of one length. */
    static double maxDifference(float[] want, float[] got) {
        if (want.length != got.length) {
            throw new AssertionError(want.length + " and " + got.length + " parameters");
        }
        double max = 0;
        for (int i = 0; i < want.length; i++) {
            max = Math.max(max, Math.abs(want[i] - got[i]));
        }
        return max;
    }
}
