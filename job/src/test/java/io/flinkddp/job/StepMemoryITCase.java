package io.flinkddp.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A step that cannot fit in a slot's memory stops the job at once, without restarts, with one line
 * that names --batch-size and --accumulate: ResNet50 at 224 px, batch 32, in a JVM whose native memory
 * JavaCPP caps at 2.5 GB (the step needs several). Runs bin/train-local's main in its own JVM, with the
 * project's configuration (whose restart strategy would restart a recoverable failure 5 times).
 */
class StepMemoryITCase {

    private static final Path REPO = Path.of(System.getProperty("maven.multiModuleProjectDirectory", "..")).toAbsolutePath().normalize();

    @TempDir
    Path temp;

    @Test
    void aStepTooLargeForMemoryFailsOnceWithTheOptionsToChange() throws Exception {
        ProcessBuilder builder = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                "-Dorg.bytedeco.javacpp.maxbytes=1500m", "-Dorg.bytedeco.javacpp.maxphysicalbytes=2500m",
                "@" + REPO.resolve("conf/jvm-opens.args"), "-Dlog4j.configurationFile=" + REPO.resolve("conf/log4j2.properties"),
                "-cp", System.getProperty("java.class.path"), TrainLocal.class.getName(),
                "--data", REPO.resolve("samples/fashion-mnist").toUri().toString(), "--output", temp.resolve("run").toString(),
                "--slots", "1", "--crop", "224", "--batch-size", "32", "--epochs", "1"));
        builder.environment().put("FLINK_CONF_DIR", REPO.resolve("conf").toString());
        builder.redirectErrorStream(true).redirectOutput(temp.resolve("log").toFile());
        Process process = builder.start();
        assertTrue(process.waitFor(5, TimeUnit.MINUTES), "bin/train-local did not end");
        String log = Files.readString(temp.resolve("log"), StandardCharsets.UTF_8);

        assertEquals(2, process.exitValue(), log);
        assertTrue(log.contains("error: a step of --batch-size 32 images at --crop 224 does not fit in this slot's memory"), log);
        assertTrue(log.contains("lower --batch-size and raise --accumulate (now 1)"), log);
        Matcher attempts = Pattern.compile("Error in task code:  CHAIN MapPartition \\(train-round\\)").matcher(log);
        int failures = 0;
        while (attempts.find()) {
            failures++;
        }
        assertEquals(1, failures, "one attempt, no restarts:\n" + log);
        assertTrue(!Files.exists(temp.resolve("run/summary.json")), "nothing written");
    }
}
