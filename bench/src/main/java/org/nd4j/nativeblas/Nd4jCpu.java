package org.nd4j.nativeblas;

/**
 * A shim for one benchmark lever only (bench/step-compute.sh --levers): DL4J 1.0.0-M2.1 decides whether
 * its oneDNN layer helpers may run by calling {@code org.nd4j.nativeblas.Nd4jCpu$Environment.getInstance()
 * .isUseMKLDNN()} by reflection, but nd4j-native M2.1 moved that class
 * ({@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment}), so the check always fails and the
 * helpers never run. This class answers the check. It only matters when the helpers are also allowed with
 * {@code -Dorg.eclipse.deeplearning4j.helpers.disable=false}; it is on the bench classpath only.
 */
public final class Nd4jCpu {

    private Nd4jCpu() {
    }

    public static final class Environment {
        private static final Environment INSTANCE = new Environment();

        public static Environment getInstance() {
            return INSTANCE;
        }

        public boolean isUseMKLDNN() {
            return true;
        }
    }
}
