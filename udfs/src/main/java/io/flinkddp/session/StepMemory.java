package io.flinkddp.session;

import io.flinkddp.config.InvalidSettingsException;
import io.flinkddp.config.TrainingSettings;
import io.flinkddp.model.gpu.GpuException;
import java.util.Locale;
import org.bytedeco.javacpp.Pointer;

/**
 * Explains a training or validation step that ran out of memory in one line that says what to change,
 * as an {@link InvalidSettingsException}: non-recoverable, so Flink does not restart a step that
 * cannot fit, again and again.
 */
final class StepMemory {

    private StepMemory() {
    }

    static InvalidSettingsException tooLarge(OutOfMemoryError error, TrainingSettings settings) {
        return new InvalidSettingsException(String.format(Locale.ROOT,
                "a step of --batch-size %d images at --crop %d does not fit in this slot's memory (%s; process memory in use %s"
                        + " of at most %s, JVM heap at most %s): lower --batch-size and raise --accumulate (now %d) to keep"
                        + " the global batch, or give the TaskManager more memory",
                settings.batchSizePerSlot(), settings.cropPixels(), error.getMessage(), gigabytes(Pointer.physicalBytes()),
                gigabytes(Pointer.maxPhysicalBytes()), gigabytes(Runtime.getRuntime().maxMemory()), settings.accumulate()));
    }

    /** The same for a step that ran out of GPU memory ({@code error} says how much was asked for, held and free). */
    static InvalidSettingsException tooLargeOnGpu(RuntimeException error, TrainingSettings settings) {
        return new InvalidSettingsException(String.format(Locale.ROOT,
                "a step of --batch-size %d images at --crop %d does not fit in this slot's GPU memory (%s): lower --batch-size and"
                        + " raise --accumulate (now %d) to keep the global batch, or use a GPU with more memory",
                settings.batchSizePerSlot(), settings.cropPixels(), error.getMessage(), settings.accumulate()));
    }

    /** Whether {@code error} is the GPU engine failing to allocate memory. */
    static boolean outOfGpuMemory(RuntimeException error) {
        return error instanceof GpuException && String.valueOf(error.getMessage()).startsWith("cudaMalloc");
    }

    private static String gigabytes(long bytes) {
        return bytes <= 0 ? "unlimited" : String.format(Locale.ROOT, "%.1f GB", bytes / 1e9);
    }
}
