package io.flinkddp.model;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The seam loads on a bare JRE: {@link ReplicaEngine}, its buffers, listener and the
 * {@link ModelDescription} with its {@link ParamLayout} load and link in a class loader that sees only
 * our compiled classes (no ND4J, DL4J, Flink or JavaCPP), as the GPU engine and {@code bin/gpu-check}
 * need; so does the GPU engine's logic ({@link io.flinkddp.model.gpu.GpuEngine} on the plain-Java
 * operations), which takes a step there on a network described without DL4J ({@link ResNetDescription}).
 * The CPU engine, which is built on ND4J, does not load: the check can fail.
 */
class HostOnlySeamTest {

    private static final List<Class<?>> SEAM = List.of(ReplicaEngine.class, EngineBuffer.class, GradientListener.class,
            ModelDescription.class, ModelDescription.Op.class, ModelDescription.Param.class, ModelDescription.Kind.class,
            ParamLayout.class, BatchStats.class);

    @Test
    void theSeamLoadsWithOurClassesAlone() throws Exception {
        try (URLClassLoader bare = bareLoader()) {
            for (Class<?> type : SEAM) {
                Class<?> loaded = Class.forName(type.getName(), true, bare);
                assertEquals(bare, loaded.getClassLoader(), type.getName() + " came from our classes, not the test's class path");
                assertDoesNotThrow(() -> link(loaded), type.getName());
            }
            Class<?> layout = Class.forName(ParamLayout.class.getName(), true, bare);
            Object instance = layout.getConstructors()[0].newInstance(10L, List.of(new long[] {2, 4}), 0L);
            assertEquals(8L, layout.getMethod("trainableParams").invoke(instance));
        }
    }

    @Test
    void theGpuEngineTakesAStepWithOurClassesAlone() throws Exception {
        try (URLClassLoader bare = bareLoader()) {
            Class<?> descriptions = Class.forName(ResNetDescription.class.getName(), true, bare);
            Object model = descriptions.getMethod("of", int[].class, int.class).invoke(null, new int[] {1}, 2);
            Object layout = model.getClass().getMethod("layout").invoke(model);
            long size = (long) layout.getClass().getMethod("numParams").invoke(layout);
            Class<?> hostOps = Class.forName("io.flinkddp.model.gpu.HostOps", true, bare);
            Class<?> gpuOps = Class.forName("io.flinkddp.model.gpu.GpuOps", true, bare);
            Class<?> engineType = Class.forName("io.flinkddp.model.gpu.GpuEngine", true, bare);
            Object engine = engineType.getConstructor(model.getClass(), float[].class, gpuOps, int.class)
                    .newInstance(model, new float[(int) size], hostOps.getConstructor().newInstance(), 8);
            Object stats = engineType.getMethod("computeGradient", List.class, int[].class)
                    .invoke(engine, List.of(new byte[8 * 8 * 3], new byte[8 * 8 * 3]), new int[] {0, 1});
            assertEquals(2L, stats.getClass().getMethod("samples").invoke(stats));
            engineType.getMethod("close").invoke(engine);
        }
    }

    @Test
    void theCpuEngineNeedsNd4j() throws Exception {
        try (URLClassLoader bare = bareLoader()) {
            assertThrows(NoClassDefFoundError.class, () -> link(Class.forName(CpuEngine.class.getName(), true, bare)));
        }
    }

    /** Resolves every type the class's members name. */
    private static void link(Class<?> type) {
        for (Method method : type.getDeclaredMethods()) {
            method.getParameterTypes();
            method.getReturnType();
        }
        type.getDeclaredFields();
        type.getDeclaredConstructors();
    }

    private static URLClassLoader bareLoader() throws Exception {
        Path classes = Path.of(ReplicaEngine.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        return new URLClassLoader(new URL[] {classes.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
    }
}
