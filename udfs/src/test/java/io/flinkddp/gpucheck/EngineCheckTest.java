package io.flinkddp.gpucheck;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flinkddp.model.gpu.HostOps;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The GPU machine's engine check runs through where there is no GPU, with the plain-Java operations on both
 * sides: every check is reached and passes (equal engines must agree, and the checks of the engine alone
 * hold), so what fails on a GPU is the GPU's.
 */
class EngineCheckTest {

    @Test
    void everyCheckPassesWithTheHostOperationsOnBothSides() {
        assertEquals(List.of(), new EngineCheck().run(HostOps::new));
    }
}
