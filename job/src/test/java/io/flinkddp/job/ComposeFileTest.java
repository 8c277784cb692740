package io.flinkddp.job;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flinkddp.model.GpuResources;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.junit.jupiter.api.Test;

/**
 * docker-compose.yml against the build (no Docker engine runs here; .ci/run also checks the file with
 * docker-compose config): the Flink image and its S3 plugin are the Flink version the job is built
 * against, the cluster reads the MinIO the file starts, and the gpu profile's TaskManager declares the
 * external resource the training slots look up.
 */
class ComposeFileTest {

    private static final Path COMPOSE = Path.of("..", "docker-compose.yml");

    @Test
    void theStackMatchesTheBuild() throws Exception {
        String compose = Files.readString(COMPOSE);
        String flink = EnvironmentInformation.getVersion();
        assertTrue(compose.contains("image: flink:" + flink + "-java17"), "the Flink image is " + flink);
        assertTrue(compose.contains("flink-s3-fs-hadoop-" + flink + ".jar"), "the S3 plugin of Flink " + flink);
        assertTrue(!compose.replace("flink:" + flink, "").matches("(?s).*image: flink:\\d.*"), "no other Flink image");
        assertTrue(compose.contains("s3.endpoint: http://minio:9000") && compose.contains("minio:"), "S3 is the stack's MinIO");
        assertTrue(compose.contains("mc mirror --overwrite /samples local/flink-ddp/fashion-mnist"), "the sample set is uploaded");
        assertTrue(compose.contains("external-resources: " + GpuResources.RESOURCE), "the gpu TaskManager's resource name");
        assertTrue(compose.contains("profiles: [\"gpu\"]") && compose.contains("driver: nvidia"), "a gpu profile with a device reservation");
    }
}
