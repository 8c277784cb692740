package io.flinkddp.job.s3;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.configuration.GlobalConfiguration;
import java.util.concurrent.TimeUnit;

/**
 * A real S3 server (s3proxy) on loopback for tests, started and stopped with bin/local-s3, so the
 * script users run is the one tests run. Buckets are created through the S3 API (bin/local-s3 mb).
 */
public final class LocalS3 implements AutoCloseable {

    public static final Path REPO = Path.of(System.getProperty("maven.multiModuleProjectDirectory", "..")).toAbsolutePath().normalize();

    private final Path dir;
    public final int port;
    public final String endpoint;
    public final String accessKey;
    public final String secretKey;

    private LocalS3(Path dir, int port) throws IOException {
        this.dir = dir;
        this.port = port;
        List<String> lines = Files.readAllLines(dir.resolve("s3.yaml"));
        this.endpoint = value(lines, "s3.endpoint");
        this.accessKey = value(lines, "s3.access-key");
        this.secretKey = value(lines, "s3.secret-key");
    }

    public static LocalS3 start(Path dir) throws Exception {
        int port = freePort();
        script("start", "--port", String.valueOf(port), "--dir", dir.toString());
        return new LocalS3(dir, port);
    }

    public void makeBucket(String bucket) throws Exception {
        script("mb", "s3://" + bucket, "--dir", dir.toString());
    }

    /**
     * Writes a Flink configuration directory: the project's conf/config.yaml, this server's endpoint
     * and keys, then {@code overrides} (which win).
     */
    public Path flinkConf(Path confDir, Map<String, String> overrides) throws IOException {
        Files.createDirectories(confDir);
        Map<String, String> values = new TreeMap<>(GlobalConfiguration.loadConfiguration(REPO.resolve("conf").toString()).toMap());
        values.put("s3.endpoint", endpoint);
        values.put("s3.access-key", accessKey);
        values.put("s3.secret-key", secretKey);
        values.putAll(overrides);
        StringBuilder yaml = new StringBuilder();
        values.forEach((key, value) -> yaml.append(key).append(": ").append(value).append('\n'));
        Files.writeString(confDir.resolve("config.yaml"), yaml.toString());
        return confDir;
    }

    @Override
    public void close() throws Exception {
        script("stop", "--dir", dir.toString());
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String value(List<String> lines, String key) {
        return lines.stream().filter(line -> line.startsWith(key + ": ")).map(line -> line.substring(key.length() + 2).trim())
                .findFirst().orElseThrow(() -> new IllegalStateException(key + " missing from s3.yaml"));
    }

    private static void script(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", REPO.resolve("bin/local-s3").toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("bin/local-s3 " + String.join(" ", args) + " failed:\n" + output);
        }
    }
}
