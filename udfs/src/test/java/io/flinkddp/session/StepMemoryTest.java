package io.flinkddp.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flinkddp.config.TrainingSettings;
import io.flinkddp.model.gpu.GpuException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A step that does not fit in GPU memory becomes one line naming --batch-size, --accumulate and what the GPU had. */
class StepMemoryTest {

    @Test
    void aGpuAllocationFailureNamesTheOptionsAndTheMemory() {
        TrainingSettings settings = TrainingSettings.parse(Map.of(), new String[] {"--batch-size", "256", "--accumulate", "2"},
                "file:///data", "runs/x");
        GpuException oom = new GpuException("cudaMalloc(822083584 bytes; 80000000000 held, 512000000 free on the device) failed:"
                + " CUDA error 2 (out of memory)");
        assertTrue(StepMemory.outOfGpuMemory(oom));
        assertFalse(StepMemory.outOfGpuMemory(new GpuException("cudnnConvolutionForward failed: cuDNN status 3")));
        assertFalse(StepMemory.outOfGpuMemory(new IllegalStateException("cudaMalloc")));
        assertEquals("a step of --batch-size 256 images at --crop 224 does not fit in this slot's GPU memory (cudaMalloc(822083584"
                + " bytes; 80000000000 held, 512000000 free on the device) failed: CUDA error 2 (out of memory)): lower --batch-size and"
                + " raise --accumulate (now 2) to keep the global batch, or use a GPU with more memory",
                StepMemory.tooLargeOnGpu(oom, settings).getMessage());
    }
}
