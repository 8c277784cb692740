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
    /** The Flink configuration lines bin/local-s3 printed (endpoint, and keys or the anonymous provider). */
    private final Map<String, String> s3Conf = new TreeMap<>();
    public final String endpoint;
    public final String accessKey;
    public final String secretKey;

    private LocalS3(Path dir, int port) throws IOException {
        this.dir = dir;
        this.port = port;
        for (String line : Files.readAllLines(dir.resolve("s3.yaml"))) {
            int colon = line.indexOf(": ");
            s3Conf.put(line.substring(0, colon), line.substring(colon + 2).trim());
        }
        this.endpoint = s3Conf.get("s3.endpoint");
        this.accessKey = s3Conf.get("s3.access-key");
        this.secretKey = s3Conf.get("s3.secret-key");
    }

    public static LocalS3 start(Path dir) throws Exception {
        return start(dir, false);
    }

    /** With {@code anonymous}, the server takes unsigned requests, like a public bucket. */
    public static LocalS3 start(Path dir, boolean anonymous) throws Exception {
        int port = freePort();
        List<String> args = new ArrayList<>(List.of("start", "--port", String.valueOf(port), "--dir", dir.toString()));
        if (anonymous) {
            args.add("--anonymous");
        }
        script(args.toArray(String[]::new));
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
        values.putAll(s3Conf);
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
