package io.flinkddp.job.tools;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.plugin.PluginUtils;

/**
 * Copies a local folder, recursively, to any Flink file system URI (s3://bucket/prefix) through
 * Flink's own file systems, so S3 uploads go through the same S3 client the job uses. Configuration
 * comes from {@code $FLINK_CONF_DIR/config.yaml}, plugins from {@code $FLINK_PLUGINS_DIR}.
 *
 * <p>Usage: {@code UploadFolder LOCAL_DIR TARGET_URI}; bin/local-s3 upload wraps it.
 */
public final class UploadFolder {

    private static final int THREADS = 8;

    private UploadFolder() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: UploadFolder LOCAL_DIR TARGET_URI");
            System.exit(2);
        }
        String confDir = System.getenv("FLINK_CONF_DIR");
        Configuration conf = confDir == null ? new Configuration() : GlobalConfiguration.loadConfiguration(confDir);
        FileSystem.initialize(conf, PluginUtils.createPluginManagerFromRootFolder(conf));
        int copied = upload(Path.of(args[0]), args[1]);
        System.out.println("uploaded " + copied + " files to " + args[1]);
    }

    /** Uploads every regular file below {@code source} to {@code target}/its relative path; returns how many. */
    public static int upload(Path source, String target) throws Exception {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(source)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> pending = files.stream().<Future<?>>map(file -> pool.submit(() -> copy(file, source, target))).toList();
            for (Future<?> future : pending) {
                future.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return files.size();
    }

    private static void copy(Path file, Path source, String target) {
        String relative = source.relativize(file).toString().replace(java.io.File.separatorChar, '/');
        org.apache.flink.core.fs.Path destination = new org.apache.flink.core.fs.Path(target + "/" + relative);
        try (OutputStream out = destination.getFileSystem().create(destination, FileSystem.WriteMode.OVERWRITE)) {
            Files.copy(file, out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot upload " + file + " to " + destination + ": " + e.getMessage(), e);
        }
    }
}
