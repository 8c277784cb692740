package io.flinkddp.config;

import static io.flinkddp.config.Option.atLeast;

import java.util.List;

/**
 * The options every command shares (training, and later predict and evaluate): where the images
 * are, where results go, how many slots, how many images a slot takes at once, and how an image is
 * sized. Mixed into a command's settings, as Flink ML's {@code HasMaxIter}.
 */
public interface CommonOptions extends OptionValues {

    /** {@link #RESIZE}'s value for "crop x 8/7". */
    int AUTO = 0;

    Option<String> DATA = Option.text("data",
            "Image set root (file://, s3://, hdfs://): one folder per class. bin/train-local defaults to the bundled sample set.", null)
            .check(v -> !v.isBlank(), "is required");
    Option<String> OUTPUT = Option.text("output",
            "Where model.zip, labels.txt, metrics.jsonl and summary.json go (default runs/<timestamp>).", null)
            .check(v -> !v.isBlank(), "is required");
    Option<Integer> SLOTS = Option.integer("slots", "Training operators, one per GPU slot: the parallelism of train-round.", 1)
            .check(atLeast(1), "must be at least 1").shapingTraining();
    Option<Integer> BATCH_SIZE = Option.integer("batch-size",
            "Images per slot per SGD step, or per micro-batch with --accumulate; the global batch is"
                    + " slots x batch-size x accumulate.", 100)
            .check(atLeast(1), "must be at least 1").shapingTraining();
    Option<Integer> CROP = Option.integer("crop", "Side of the center crop fed to the network (32 and up).", 224)
            .check(atLeast(32), "must be at least 32").shapingTraining();
    Option<Integer> RESIZE = Option.of("resize", "Shorter image side after resizing; auto is crop x 8/7 (256 for crop 224).", AUTO,
            "auto", text -> text.equals("auto") ? AUTO : Integer.valueOf(text)).shapingTraining();
    Option<Boolean> HELP = Option.flag("help", "Print this help and exit.");
    String DEVICE_AUTO = "auto";
    String DEVICE_CPU = "cpu";
    String DEVICE_GPU = "gpu";
    Option<String> DEVICE = Option.choice("device",
            "Where a slot computes: auto (the CPU engine for now: the GPU engine has not yet passed its checks on a GPU, README"
                    + " \"GPUs\"), cpu, or gpu (the GPU engine on cuDNN, one GPU per slot; resnet50; the TaskManager needs CUDA 13,"
                    + " cuDNN 9 and cuBLAS).", DEVICE_AUTO, DEVICE_CPU, DEVICE_GPU);
    Option<String> PRECISION = Option.choice("precision",
            "The GPU engine's arithmetic: tf32 (PyTorch's default: TF32 convolutions, float32 classifier) or fp32 (float32"
                    + " everywhere). The CPU engine computes in float32 either way.", "tf32", "fp32");

    List<Option<?>> COMMON = List.of(DATA, OUTPUT, SLOTS, BATCH_SIZE, RESIZE, CROP, DEVICE, PRECISION);

    default String data() {
        return get(DATA);
    }

    default String output() {
        return get(OUTPUT);
    }

    default int slots() {
        return get(SLOTS);
    }

    default int batchSizePerSlot() {
        return get(BATCH_SIZE);
    }

    default int cropPixels() {
        return get(CROP);
    }

    /** {@link #DEVICE_AUTO}, {@link #DEVICE_CPU} or {@link #DEVICE_GPU}. */
    default String device() {
        return get(DEVICE);
    }

    /** The GPU engine's precision: tf32 or fp32. */
    default String precision() {
        return get(PRECISION);
    }

    /** The resize side; the settings resolve auto to crop x 8/7 ({@link #resolveAutoResize}). */
    default int resizePixels() {
        return get(RESIZE);
    }

    /** The value {@link #RESIZE} takes for {@code resize} and {@code crop}. */
    static int resolveAutoResize(int resize, int crop) {
        return resize == AUTO ? (int) Math.round(crop * 8.0 / 7.0) : resize;
    }
}
