package io.flinkddp.model.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flinkddp.model.weights.TorchStateDict;
import io.flinkddp.model.weights.TorchTensor;
import io.flinkddp.testing.TorchPython;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The GPU engine's resnet50 has torchvision's state_dict: the same entries, in the same order, of the same shapes. No GPU needed. */
class GpuResNetLayoutTest {

    @TempDir
    Path dir;

    @Test
    void entriesAreTorchvisionsStateDict() throws Exception {
        Path pth = dir.resolve("resnet50.pth");
        TorchPython.runScript(GpuResNetLayoutTest.class, "resnet50_state_dict.py", dir, pth.toString());
        Map<String, TorchTensor> torch = TorchStateDict.read(pth, pth.toString());
        List<GpuResNet.Entry> ours = GpuResNet.layout(10);
        assertEquals(new ArrayList<>(torch.keySet()), ours.stream().map(GpuResNet.Entry::name).toList());
        long trainable = 0;
        for (GpuResNet.Entry e : ours) {
            assertArrayEquals(torch.get(e.name()).shape(), e.shape(), e.name());
            if (e.kind() == GpuResNet.Kind.TRAINABLE) {
                assertEquals(trainable, e.offset(), e.name() + " follows the trainable tensors before it");
                trainable += e.size();
            }
        }
        assertEquals(23_528_522, trainable, "torchvision's resnet50 at 10 classes has 23,528,522 trainable parameters");
    }
}
