package io.flinkddp.job;

import io.flinkddp.config.CommonOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.api.java.ExecutionEnvironment;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.plugin.PluginUtils;

/**
 * bin/train-local: the same job on an embedded local Flink (a MiniCluster in this JVM), configured
 * from {@code $FLINK_CONF_DIR/config.yaml} as Flink's own scripts would be, with the web UI on the
 * first free port from 8081. With no {@code --data} it trains on the sample set bin/train-local names.
 */
public final class TrainLocal {

    private TrainLocal() {
    }

    public static void main(String[] args) {
        String confDir = System.getenv("FLINK_CONF_DIR");
        String sampleData = System.getenv("FLINK_DDP_SAMPLE_DATA");
        System.exit(TrainJob.runCommand("bin/train-local", args, settings -> webUiEnvironment(confDir, settings), confDir, sampleData,
                System.out, System.err));
    }

    /** A local environment with the web UI on the first free port from 8081, configured from {@code confDir} (if any). */
    public static ExecutionEnvironment webUiEnvironment(String confDir, CommonOptions settings) {
        Configuration conf = configuration(confDir, settings);
        initializeFileSystems(conf);
        conf.set(RestOptions.BIND_PORT, "8081-8099");
        return ExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
    }

    /** A local environment without web UI, its REST endpoint on a free port, with the Flink configuration of {@code confDir}, if any; for tests. */
    public static ExecutionEnvironment localEnvironment(String confDir, CommonOptions settings) {
        Configuration conf = configuration(confDir, settings);
        initializeFileSystems(conf);
        conf.set(RestOptions.BIND_PORT, "0");
        return ExecutionEnvironment.createLocalEnvironment(conf);
    }

    /** The configuration of {@code confDir} (if any), with at least a task slot per training slot. No side effects. */
    public static Configuration configuration(String confDir, CommonOptions settings) {
        Configuration conf = confDir != null && Files.isDirectory(Path.of(confDir))
                ? GlobalConfiguration.loadConfiguration(confDir)
                : new Configuration();
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, Math.max(settings.slots(), conf.get(TaskManagerOptions.NUM_TASK_SLOTS)));
        return conf;
    }

    /**
     * Initialises Flink's process-wide file systems from {@code conf}, including plugins (the S3 file
     * system) found under {@code $FLINK_PLUGINS_DIR}, as a Flink process does at start. A local
     * environment never does this itself; call it once before building one.
     */
    public static void initializeFileSystems(Configuration conf) {
        FileSystem.initialize(conf, PluginUtils.createPluginManagerFromRootFolder(conf));
    }
}
