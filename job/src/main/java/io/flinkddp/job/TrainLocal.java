package io.flinkddp.job;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.api.java.ExecutionEnvironment;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.core.fs.FileSystem;

/**
 * bin/train-local: the same job on an embedded local Flink (a MiniCluster in this JVM), configured
 * from {@code $FLINK_CONF_DIR/config.yaml} as Flink's own scripts would be. With no {@code --data}
 * it trains on the sample set bin/train-local points it at.
 */
public final class TrainLocal {

    private TrainLocal() {
    }

    public static void main(String[] args) {
        String confDir = System.getenv("FLINK_CONF_DIR");
        String sampleData = System.getenv("FLINK_DDP_SAMPLE_DATA");
        System.exit(TrainJob.runCommand("bin/train-local", args, () -> localEnvironment(confDir), confDir, sampleData,
                System.out, System.err));
    }

    /** A local environment with the Flink configuration of {@code confDir} (if any) and its file systems initialised. */
    public static ExecutionEnvironment localEnvironment(String confDir) {
        Configuration conf = confDir != null && Files.isDirectory(Path.of(confDir))
                ? GlobalConfiguration.loadConfiguration(confDir)
                : new Configuration();
        FileSystem.initialize(conf, null);
        return ExecutionEnvironment.createLocalEnvironment(conf);
    }
}
