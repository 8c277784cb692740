package io.flinkddp.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;

/** The description built without DL4J is the one read off the DL4J network, op for op and offset for offset. */
class ResNetDescriptionTest {

    @Test
    void resNet50IsWhatDl4jLaysOut() {
        assertSame(Dl4jDescription.of(net(Networks.resNet50(10, 32, 1))), ResNetDescription.resNet50(10));
    }

    @Test
    void shallowerCutsToo() {
        assertSame(Dl4jDescription.of(net(Networks.resNet(new int[] {2, 1}, 5, 32, 1))), ResNetDescription.of(new int[] {2, 1}, 5));
    }

    private static void assertSame(ModelDescription want, ModelDescription got) {
        assertEquals(want.ops().size(), got.ops().size());
        for (int i = 0; i < want.ops().size(); i++) {
            assertEquals(want.ops().get(i), got.ops().get(i), "op " + i);
        }
        assertEquals(want.layout().numParams(), got.layout().numParams());
        assertEquals(want.layout().trainedFrom(), got.layout().trainedFrom());
        assertEquals(ranges(want.layout().statisticRanges()), ranges(got.layout().statisticRanges()));
        assertEquals(want.input(), got.input());
        assertEquals(want.numClasses(), got.numClasses());
    }

    private static List<List<Long>> ranges(List<long[]> ranges) {
        return ranges.stream().map(r -> List.of(r[0], r[1])).toList();
    }

    private static ComputationGraph net(org.deeplearning4j.nn.conf.ComputationGraphConfiguration conf) {
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }
}
