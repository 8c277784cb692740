package io.flinkddp.model.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flinkddp.model.ModelDescription;
import io.flinkddp.model.ResNetDescription;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The step's workspace plan ({@link StepPlan}): buffers that live at the same time never share memory, the
 * arena is no smaller than what is live at once and far smaller than every buffer side by side; resnet50's
 * training step at batch 100 and 224 px is planned from a run that computes nothing. {@link HostOps} refuses,
 * while capturing, what CUDA refuses.
 */
@Timeout(60)
class StepPlanTest {

    @Test
    void buffersLivingTogetherNeverOverlap() {
        Random random = new Random(3);
        for (int trial = 0; trial < 200; trial++) {
            int count = 1 + random.nextInt(40);
            long[] sizes = new long[count];
            int[] taken = new int[count];
            int[] given = new int[count];
            for (int k = 0; k < count; k++) {
                sizes[k] = 1 + random.nextInt(1000);
                taken[k] = random.nextInt(100);
                given[k] = taken[k] + 1 + random.nextInt(30);
            }
            StepPlan plan = new StepPlan(sizes, taken, given);
            for (int i = 0; i < count; i++) {
                assertEquals(0, plan.offset(i) % StepPlan.ALIGN, "aligned");
                assertTrue(plan.offset(i) + sizes[i] <= plan.arenaFloats());
                for (int j = i + 1; j < count; j++) {
                    boolean together = taken[i] < given[j] && taken[j] < given[i];
                    boolean apart = plan.offset(i) + sizes[i] <= plan.offset(j) || plan.offset(j) + sizes[j] <= plan.offset(i);
                    assertTrue(!together || apart, "trial " + trial + ": buffers " + i + " and " + j + " live together and overlap");
                }
            }
            assertTrue(plan.arenaFloats() >= plan.liveFloats());
            assertTrue(plan.arenaFloats() <= plan.totalFloats());
        }
    }

    @Test
    void resNet50TrainingStepIsPlannedNearTheLiveBound() {
        ModelDescription model = ResNetDescription.resNet50(1000);
        StepPlan plan = GpuGraph.plan(model, Element.F32, 100, 224, true).get(Element.F32);
        System.out.printf(Locale.ROOT, "resnet50 training step, batch 100, 224 px, float32: %d buffers, arena %.3f GB, live bound %.3f GB,"
                + " all side by side %.3f GB%n", plan.buffers(), 4e-9 * plan.arenaFloats(), 4e-9 * plan.liveFloats(),
                4e-9 * plan.totalFloats());
        assertTrue(plan.arenaFloats() <= 1.10 * plan.liveFloats(), "the arena is within 10% of the live bound");
        assertTrue(plan.arenaFloats() < 0.5 * plan.totalFloats(), "memory is reused");
        StepPlan inference = GpuGraph.plan(model, Element.F32, 100, 224, false).get(Element.F32);
        assertTrue(inference.arenaFloats() < plan.arenaFloats() / 4, "inference keeps no activations for a backward");
        Map<Element, StepPlan> half = GpuGraph.plan(model, Element.BF16, 100, 224, true);
        long bytes = half.entrySet().stream().mapToLong(e -> e.getValue().arenaFloats() * e.getKey().bytes).sum();
        System.out.printf(Locale.ROOT, "in bfloat16: %.3f GB (%.3f GB of it float32: max pooling's winners)%n", 1e-9 * bytes,
                4e-9 * half.get(Element.F32).arenaFloats());
        assertTrue(bytes < 0.52 * 4 * plan.arenaFloats(), "bfloat16 activations, and the weights' casts, take about half");
    }

    @Test
    void hostOpsRefuseWhatCudaRefusesWhileCapturing() {
        try (HostOps ops = new HostOps()) {
            GpuBuffer a = ops.allocate(4);
            ops.beginCapture();
            ops.zero(a, 4);
            for (Runnable refused : List.<Runnable>of(() -> ops.allocate(1), () -> ops.take(1), () -> ops.synchronize(),
                    () -> ops.download(a, new float[4], 0, 4), () -> ops.upload(new float[4], 0, a, 4),
                    () -> ops.stage(List.of(new byte[3]), 1, new int[] {0}))) {
                assertThrows(IllegalStateException.class, refused::run);
            }
            GpuOps.Replay replay = ops.endCapture();
            ops.upload(new float[] {1, 2, 3, 4}, 0, a, 4);
            float[] out = new float[4];
            ops.download(a, out, 0, 4);
            assertEquals(1f, out[0], "nothing ran while capturing");
            assertTrue(replay.launch());
            ops.download(a, out, 0, 4);
            assertFalse(out[0] != 0f, "the replay ran the recorded zero");
        }
    }
}
