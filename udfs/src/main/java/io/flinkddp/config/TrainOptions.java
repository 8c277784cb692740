package io.flinkddp.config;

import static io.flinkddp.config.Option.atLeast;

import java.util.List;
import java.util.Optional;

/** The options of the training command beyond {@link CommonOptions}: the recipe, the exchange, checkpoints. */
public interface TrainOptions extends CommonOptions {

    String RESNET50 = "resnet50";
    String CNN_SMALL = "cnn-small";
    /** {@link #INIT_WEIGHTS}' and {@link #CLASS_INDEX}'s value for "no file": random initialisation, folder order. */
    String NONE = "none";

    Option<Integer> EPOCHS = Option.integer("epochs", "Passes over the largest training shard.", 100)
            .check(atLeast(1), "must be at least 1");
    Option<Double> LR = Option.number("lr", "SGD learning rate.", 0.01)
            .check(v -> v > 0 && Double.isFinite(v), "must be a positive number").shapingTraining();
    Option<Double> MOMENTUM = Option.number("momentum", "SGD momentum (classic heavy-ball, as torch.optim.SGD).", 0.9)
            .check(v -> v >= 0 && v < 1, "must be in [0, 1)").shapingTraining();
    Option<Integer> LR_PATIENCE = Option.integer("lr-patience",
            "ReduceLROnPlateau: epochs without validation-loss improvement before the rate drops.", 2)
            .check(atLeast(0), "must be at least 0").shapingTraining();
    Option<Double> LR_FACTOR = Option.number("lr-factor", "ReduceLROnPlateau: factor the rate is multiplied by.", 0.1)
            .check(v -> v > 0 && v < 1, "must be in (0, 1)").shapingTraining();
    Option<Long> SEED = Option.whole("seed", "Seed of the split, the shuffles and the weight initialisation.", 42L).shapingTraining();
    Option<Double> TRAIN_FRACTION = Option.number("train-fraction", "Fraction of the (sub)set used for training; the rest validates.", 0.8)
            .check(v -> v > 0 && v < 1, "must be in (0, 1)").shapingTraining();
    Option<Double> SUBSET = Option.number("subset", "Train on this random fraction of the image set.", 1.0)
            .check(v -> v > 0 && v <= 1, "must be in (0, 1]").shapingTraining();
    Option<String> MODEL = Option.choice("model",
            "Network: resnet50 (torchvision's v1.5) or cnn-small (a tiny CNN for smoke tests).", RESNET50, CNN_SMALL).shapingTraining();
    Option<Integer> CHUNK_FLOATS = Option.integer("gradient-chunk-floats", "Floats per gradient chunk record (524288 = 2 MB).", 524288)
            .check(v -> v >= 1024 && v <= (1 << 20), "must be in [1024, 1048576]");
    Option<Integer> CHECKPOINT_EVERY_ROUNDS = Option.integer("checkpoint-every-rounds",
            "Also checkpoint every N rounds (a round is one SGD step, or --local-steps of them), besides after every epoch;"
                    + " 0: after epochs only.", 0)
            .check(atLeast(0), "must be at least 0");
    Option<Integer> KEEP_CHECKPOINTS = Option.integer("keep-checkpoints",
            "Complete checkpoints kept under <output>/checkpoints (the newest).", 3).check(atLeast(1), "must be at least 1");
    Option<Integer> LOCAL_STEPS = Option.integer("local-steps",
            "Minibatch steps each slot takes alone per round before the slots average parameters and momenta; 1 is exact DDP.", 1)
            .check(atLeast(1), "must be at least 1").shapingTraining();
    Option<Integer> ACCUMULATE = Option.integer("accumulate",
            "Micro-batches of --batch-size whose gradients each slot sums before a round: exact SGD on accumulate x batch-size"
                    + " images per slot in the memory of one micro-batch (batch-norm statistics per micro-batch).", 1)
            .check(atLeast(1), "must be at least 1").shapingTraining();
    Option<Integer> IMAGE_CACHE_MB = Option.integer("image-cache-mb",
            "Heap per slot for its decoded images (MB); the rest spill to a local file (0: all spill).", 1024)
            .check(atLeast(0), "must be at least 0");
    Option<WirePrecision> WIRE_PRECISION = Option.of("wire-precision",
            "Gradient values between slots: fp32, or bf16 (half the bytes, 8-bit mantissa; sums stay fp32).", WirePrecision.FP32,
            "fp32", WirePrecision::of).shapingTraining();
    Option<String> INIT_WEIGHTS = Option.text("init-weights",
            "Start from these weights instead of a random initialisation (file://, s3://, hdfs://): a torchvision state_dict"
                    + " saved by torch.save (.pth), or the model.zip of an earlier run; a classifier of another class count stays"
                    + " fresh. none: random.", NONE)
            .check(v -> !v.isBlank(), "must be a URI or none").shapingTraining();
    Option<String> CLASS_INDEX = Option.text("class-index",
            "Label each class folder with its class in this index (file://, s3://, hdfs://) and give the classifier the index's"
                    + " class count: a Python dict {0: 'tench, Tinca tinca', ...} (imagenet1000_clsidx_to_labels.txt), one class name"
                    + " per line, or 'n01440764 tench, Tinca tinca' per line, in index order. A folder n02085620-Chihuahua maps by"
                    + " its wnid if the index has wnids, else to the class one of whose comma-separated names is Chihuahua (any case,"
                    + " _ as space). none: classes are the folders in name order.", NONE)
            .check(v -> !v.isBlank(), "must be a URI or none").shapingTraining();
    /** The stages {@link #FREEZE} names, in network order: freezing one freezes those before it too. */
    List<String> FREEZE_STAGES = List.of(NONE, "stem", "layer1", "layer2", "layer3", "layer4");
    Option<String> FREEZE = Option.choice("freeze",
            "Fine-tuning (resnet50): freeze the network up to this stage (stem = conv1, bn1; layer1..layer4 include the stages"
                    + " before): frozen layers are not trained, not updated and not sent between slots, and their batch norms keep"
                    + " their running statistics (as eval() on them in PyTorch).", FREEZE_STAGES.toArray(new String[0]))
            .shapingTraining();
    Option<Boolean> DRY_RUN = Option.flag("dry-run", "List the data and the split, build the model, write summary.json; train nothing.");

    List<Option<?>> TRAINING = List.of(EPOCHS, LR, MOMENTUM, LR_PATIENCE, LR_FACTOR, SEED, TRAIN_FRACTION, SUBSET, MODEL,
            CHUNK_FLOATS, CHECKPOINT_EVERY_ROUNDS, KEEP_CHECKPOINTS, LOCAL_STEPS, ACCUMULATE, IMAGE_CACHE_MB, WIRE_PRECISION, INIT_WEIGHTS,
            CLASS_INDEX, FREEZE, DRY_RUN);

    default int epochs() {
        return get(EPOCHS);
    }

    default double learningRate() {
        return get(LR);
    }

    default double momentum() {
        return get(MOMENTUM);
    }

    default int lrPatienceEpochs() {
        return get(LR_PATIENCE);
    }

    default double lrFactor() {
        return get(LR_FACTOR);
    }

    default long seed() {
        return get(SEED);
    }

    default double trainFraction() {
        return get(TRAIN_FRACTION);
    }

    default double subsetFraction() {
        return get(SUBSET);
    }

    default String model() {
        return get(MODEL);
    }

    default int gradientChunkFloats() {
        return get(CHUNK_FLOATS);
    }

    default int checkpointEveryRounds() {
        return get(CHECKPOINT_EVERY_ROUNDS);
    }

    default int keepCheckpoints() {
        return get(KEEP_CHECKPOINTS);
    }

    default int localSteps() {
        return get(LOCAL_STEPS);
    }

    default int accumulate() {
        return get(ACCUMULATE);
    }

    default int imageCacheMb() {
        return get(IMAGE_CACHE_MB);
    }

    default WirePrecision wirePrecision() {
        return get(WIRE_PRECISION);
    }

    /** The URI of {@link #INIT_WEIGHTS}, empty for a random initialisation. */
    /** The stage {@code --freeze} names ("none": nothing frozen). */
    default String freeze() {
        return get(FREEZE);
    }

    default Optional<String> initWeights() {
        String uri = get(INIT_WEIGHTS);
        return uri.equals(NONE) ? Optional.empty() : Optional.of(uri);
    }

    /** The URI of {@link #CLASS_INDEX}, empty when the classes are the folders in name order. */
    default Optional<String> classIndex() {
        String uri = get(CLASS_INDEX);
        return uri.equals(NONE) ? Optional.empty() : Optional.of(uri);
    }

    default boolean dryRun() {
        return get(DRY_RUN);
    }
}
