package io.flinkddp.job.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkddp.job.JobRunner;
import io.flinkddp.job.tools.FashionMnistFolders;
import io.flinkddp.job.tools.UploadFolder;
import java.awt.image.BufferedImage;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.plugin.PluginUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job against a real S3 server (s3proxy on loopback, started with bin/local-s3). Data goes in through the
 * S3 API. 2,000 real Fashion-MNIST images read from s3:// and the outputs written to s3:// (needs Debian's
 * dataset-fashion-mnist, which .ci/run installs; skipped without it); checkpoints in the bucket, and a run that
 * resumes from them; storage failures that fail fast, naming the bucket and the endpoint; odd objects decoded
 * or skipped, and odd keys; a flaky network ({@link FlakyProxy} answers 503s and resets connections) retried
 * until the run completes; a public bucket read anonymously.
 */
class S3ITCase {

    private static final Path FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");

    @TempDir
    static Path temp;
    static LocalS3 s3;
    static Path conf;

    @BeforeAll
    static void startServer() throws Exception {
        s3 = LocalS3.start(temp.resolve("server"));
        s3.makeBucket("images");
        s3.makeBucket("runs");
        conf = s3.flinkConf(temp.resolve("conf"), Map.of());
        useConf(conf);
        UploadFolder.upload(LocalS3.REPO.resolve("samples/fashion-mnist"), "s3://images/sample");
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (s3 != null) {
            s3.close();
        }
    }

    private static void useConf(Path confDir) {
        Configuration flink = GlobalConfiguration.loadConfiguration(confDir.toString());
        FileSystem.initialize(flink, PluginUtils.createPluginManagerFromRootFolder(flink));
    }

    private static JsonNode readJson(String uri) throws Exception {
        org.apache.flink.core.fs.Path path = new org.apache.flink.core.fs.Path(uri);
        try (InputStream in = path.getFileSystem().open(path)) {
            return new ObjectMapper().readTree(in);
        }
    }

    private static List<String> list(String uri) throws Exception {
        org.apache.flink.core.fs.Path path = new org.apache.flink.core.fs.Path(uri);
        List<String> names = new ArrayList<>();
        for (FileStatus status : path.getFileSystem().listStatus(path)) {
            names.add(status.getPath().getName());
        }
        return names;
    }

    @Test
    void trainsOnTwoThousandFashionMnistImagesFromS3AndWritesToS3() throws Exception {
        assumeTrue(Files.isDirectory(FASHION_MNIST), "needs Debian's dataset-fashion-mnist (.ci/run installs it)");
        Path images = temp.resolve("fashion-2000");
        FashionMnistFolders.convert(FASHION_MNIST.resolve("t10k-images-idx3-ubyte.gz"),
                FASHION_MNIST.resolve("t10k-labels-idx1-ubyte.gz"), "t10k", images, 200);
        useConf(conf);
        assertEquals(2000, UploadFolder.upload(images, "s3://images/fashion-2000"));

        JobRunner run = JobRunner.run(conf, "--data", "s3://images/fashion-2000", "--output", "s3://runs/fashion",
                "--slots", "2", "--crop", "32", "--epochs", "3", "--batch-size", "32", "--model", "cnn-small", "--lr", "0.05");
        assertEquals(0, run.exitCode(), run.err());

        JsonNode summary = readJson("s3://runs/fashion/summary.json");
        assertEquals(2000, summary.get("images").get("decoded").asInt());
        double valTop1 = summary.get("final_metrics").get("val_top1").asDouble();
        assertTrue(valTop1 > 0.4, "validation top-1 " + valTop1 + " is well above chance (0.1)");
        List<String> outputs = list("s3://runs/fashion");
        assertTrue(outputs.containsAll(List.of("model.zip", "labels.txt", "metrics.jsonl", "curves.png", "summary.json")),
                outputs.toString());
        assertTrue(outputs.stream().noneMatch(name -> name.contains("inprogress")), "no temporary objects left: " + outputs);
    }

    @Test
    void checkpointsLiveInTheBucketAndARunResumesFromThem() throws Exception {
        useConf(conf);
        String[] run = {"--data", "s3://images/sample", "--output", "s3://runs/resumed", "--slots", "2", "--crop", "32",
            "--batch-size", "50", "--model", "cnn-small", "--keep-checkpoints", "2", "--checkpoint-every-rounds", "3"};
        JobRunner first = JobRunner.run(conf, concat(run, new String[] {"--epochs", "2"}));
        assertEquals(0, first.exitCode(), first.err());
        List<String> checkpoints = list("s3://runs/resumed/checkpoints");
        assertEquals(2, checkpoints.size(), "--keep-checkpoints 2: " + checkpoints);
        for (String checkpoint : checkpoints) {
            assertEquals(List.of("manifest.json", "state.bin"),
                    list("s3://runs/resumed/checkpoints/" + checkpoint).stream().sorted().toList(), checkpoint);
        }

        JobRunner more = JobRunner.run(conf, concat(run, new String[] {"--epochs", "3"}));
        assertEquals(0, more.exitCode(), more.err());
        JsonNode summary = readJson("s3://runs/resumed/summary.json");
        assertEquals(3, summary.get("epochs_completed").asInt());
        long largestShard = (summary.get("images").get("train").asLong() + 1) / 2;
        long roundsPerEpoch = (largestShard + 49) / 50;
        assertEquals(2 * roundsPerEpoch, summary.get("resumed_from_steps").get(0).asLong(), "resumed after epoch 2");
        assertTrue(list("s3://runs/resumed").stream().noneMatch(name -> name.contains("inprogress")));
    }

    @Test
    void storageFailuresFailFastNamingBucketAndEndpoint() throws Exception {
        String[] rest = {"--output", "s3://runs/never", "--crop", "32", "--model", "cnn-small", "--epochs", "1"};

        Path wrongSecret = s3.flinkConf(temp.resolve("conf-wrong-secret"), Map.of("s3.secret-key", "not-the-secret"));
        JobRunner denied = JobRunner.run(wrongSecret, concat(new String[] {"--data", "s3://images/sample"}, rest));
        assertFailsClearly(denied, "bucket runs at endpoint " + s3.endpoint, "access denied (HTTP 403)");

        JobRunner noBucket = JobRunner.run(conf, concat(new String[] {"--data", "s3://no-such-bucket/sample"}, rest));
        assertFailsClearly(noBucket, "bucket no-such-bucket at endpoint " + s3.endpoint, "the bucket does not exist");

        JobRunner noPrefix = JobRunner.run(conf, concat(new String[] {"--data", "s3://images/no-such-prefix"}, rest));
        assertFailsClearly(noPrefix, "--data s3://images/no-such-prefix", "no such directory");

        String downEndpoint = "http://127.0.0.1:" + LocalS3.freePort();
        Path down = s3.flinkConf(temp.resolve("conf-down"), Map.of("s3.endpoint", downEndpoint));
        JobRunner refused = JobRunner.run(down, concat(new String[] {"--data", "s3://images/sample"}, rest));
        assertFailsClearly(refused, "at endpoint " + downEndpoint, "connection refused");
        useConf(conf);
    }

    private static void assertFailsClearly(JobRunner run, String where, String why) {
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().startsWith("error: ") && run.err().contains(where) && run.err().contains(why), run.err());
        assertEquals(1, run.err().strip().lines().count(), "one line, no stack trace: " + run.err());
        assertTrue(run.seconds() < 60, "failed after " + run.seconds() + " s");
    }

    @Test
    void oddObjectsAreDecodedOrSkippedAndOddKeysWork() throws Exception {
        Path data = temp.resolve("odd");
        Path spaced = Files.createDirectories(data.resolve("cats and dogs"));
        Path unicode = Files.createDirectories(data.resolve("ünïcödé 猫"));
        Path resources = LocalS3.REPO.resolve("udfs/src/test/resources/images");
        for (String name : List.of("red-blue.jpg", "red-blue-alpha.png", "dark-light-16bit.png", "red-blue-cmyk.jpg", "dark-light-gray.jpg")) {
            Files.copy(resources.resolve(name), spaced.resolve("odd " + name));
            Files.copy(resources.resolve(name), unicode.resolve("été " + name));
        }
        BufferedImage photo = new BufferedImage(6000, 4000, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 4000; y += 8) {
            for (int x = 0; x < 6000; x += 8) {
                photo.setRGB(x, y, (x * 255 / 6000) << 16 | (y * 255 / 4000) << 8 | 128);
            }
        }
        ImageIO.write(photo, "jpg", spaced.resolve("big photo 6000x4000.jpg").toFile());
        byte[] jpeg = Files.readAllBytes(resources.resolve("red-blue.jpg"));
        Files.write(unicode.resolve("truncated.jpg"), Arrays.copyOf(jpeg, jpeg.length / 2));
        Files.write(unicode.resolve("zero.png"), new byte[0]);
        Files.writeString(unicode.resolve("corrupt.jpeg"), "not a jpeg");
        useConf(conf);
        UploadFolder.upload(data, "s3://images/odd");

        JobRunner run = JobRunner.run(conf, "--data", "s3://images/odd", "--output", "s3://runs/odd", "--crop", "32",
                "--model", "cnn-small", "--epochs", "1", "--batch-size", "4", "--train-fraction", "0.6");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode summary = readJson("s3://runs/odd/summary.json");
        assertEquals(14, summary.get("images").get("found").asInt());
        assertEquals(3, summary.get("images").get("skipped").asInt());
        assertEquals(11, summary.get("images").get("decoded").asInt());
        assertEquals("cats and dogs", summary.get("class_names").get(0).asText());
        assertEquals("ünïcödé 猫", summary.get("class_names").get(1).asText());
    }

    @Test
    void transientServerFailuresAreRetriedAndTheRunCompletes() throws Exception {
        try (FlakyProxy proxy = new FlakyProxy(s3.port)) {
            // A 1 ms connection lifetime makes the S3 client open a connection per request, so that the
            // proxy's every-third-connection failures hit requests all through the run.
            Path flaky = s3.flinkConf(temp.resolve("conf-flaky"), Map.of("s3.endpoint", "http://127.0.0.1:" + proxy.port(),
                    "s3.connection.ttl", "1"));
            JobRunner run = JobRunner.run(flaky, "--data", "s3://images/sample", "--output", "s3://runs/flaky", "--slots", "2",
                    "--crop", "32", "--model", "cnn-small", "--epochs", "1", "--batch-size", "50");
            assertEquals(0, run.exitCode(), run.err());
            assertTrue(proxy.failuresInjected() >= 3, "the proxy broke " + proxy.failuresInjected() + " connections");
        }
        useConf(conf);
        assertEquals(1000, readJson("s3://runs/flaky/summary.json").get("images").get("decoded").asInt());
        assertFalse(list("s3://runs/flaky").stream().anyMatch(name -> name.contains("inprogress")));
    }

    @Test
    void readsAndWritesAPublicBucketAnonymously() throws Exception {
        try (LocalS3 anonymous = LocalS3.start(temp.resolve("anonymous-server"), true)) {
            anonymous.makeBucket("public");
            Path anonymousConf = anonymous.flinkConf(temp.resolve("conf-anonymous"), Map.of());
            assertTrue(Files.readString(anonymousConf.resolve("config.yaml")).contains("AnonymousAWSCredentialsProvider"));
            useConf(anonymousConf);
            UploadFolder.upload(LocalS3.REPO.resolve("samples/fashion-mnist"), "s3://public/sample");
            JobRunner run = JobRunner.run(anonymousConf, "--data", "s3://public/sample", "--output", "s3://public/run",
                    "--crop", "32", "--model", "cnn-small", "--epochs", "1", "--batch-size", "50");
            assertEquals(0, run.exitCode(), run.err());
            assertEquals(1000, readJson("s3://public/run/summary.json").get("images").get("decoded").asInt());
        } finally {
            useConf(conf);
        }
    }

    static String[] concat(String[] a, String[] b) {
        String[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
