package io.flinkddp.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkddp.config.TrainingSettings;
import io.flinkddp.model.Networks;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code --class-index} through the whole job on a MiniCluster with 2 slots, with a 1000-class index in
 * the seed's dict format and two Stanford-Dogs-like folders: the classifier has 1000 outputs, the
 * folders' images train their ImageNet classes (151 and 230, whose biases alone rise), {@code labels.txt}
 * lists "index TAB folder"; with {@code --init-weights} of a 1000-class model the whole head loads; a
 * folder the index lacks, or an index that is not there, stops the run before it is submitted, with one line.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ClassIndexITCase {

    private static final String CHIHUAHUA = "n02085620-Chihuahua";
    private static final String SHELTIE = "n02105855-Shetland_sheepdog";

    @TempDir
    Path temp;

    @Test
    void foldersTrainTheirImageNetClassesInAThousandWayHead() throws Exception {
        Path data = dogs(CHIHUAHUA, SHELTIE);
        Path output = temp.resolve("run");
        TrainingSettings settings = EquivalenceITCase.settings(data, output, 2, 4, "--epochs", "1", "--class-index", imageNet());
        TrainJob.train(TrainLocal.localEnvironment(null, settings), settings);

        ComputationGraph model = EquivalenceITCase.model(output);
        assertArrayEquals(new long[] {2, 1000}, model.outputSingle(Nd4j.zeros(2, 3, 32, 32)).shape());
        float[] bias = model.getParam(Networks.OUTPUT + "_b").toFloatVector();
        Integer[] byBias = IntStream.range(0, bias.length).boxed().sorted(Comparator.comparingDouble(c -> -bias[c])).toArray(Integer[]::new);
        assertEquals(Set.of(151, 230), Set.of(byBias[0], byBias[1]),
                "the trained classes are the folders' ImageNet classes: " + Arrays.toString(Arrays.copyOf(byBias, 5)));
        assertEquals("151\t" + CHIHUAHUA + "\n230\t" + SHELTIE + "\n",
                Files.readString(output.resolve("labels.txt"), StandardCharsets.UTF_8));
        JsonNode summary = new ObjectMapper().readTree(output.resolve("summary.json").toFile());
        assertEquals(1000, summary.get("classes").asInt(), summary.toString());
        assertEquals("[151,230]", summary.get("class_labels").toString(), summary.toString());
        assertEquals("[\"" + CHIHUAHUA + "\",\"" + SHELTIE + "\"]", summary.get("class_names").toString(), summary.toString());
    }

    @Test
    void withInitWeightsOfAThousandClassesTheWholeHeadLoads() throws Exception {
        Path data = dogs(CHIHUAHUA, SHELTIE);
        ComputationGraph pretrained = new ComputationGraph(Networks.smallCnn(1000, 32, 99));
        pretrained.init();
        Path zip = temp.resolve("pretrained.zip");
        ModelSerializer.writeModel(pretrained, zip.toFile(), false);
        Path output = temp.resolve("run");
        TrainingSettings settings = EquivalenceITCase.settings(data, output, 2, 4, "--epochs", "1", "--lr", "1e-30",
                "--class-index", imageNet(), "--init-weights", zip.toUri().toString());
        TrainJob.train(TrainLocal.localEnvironment(null, settings), settings);

        float[] want = Nd4j.toFlattened('c', pretrained.getParam(Networks.OUTPUT + "_W")).toFloatVector();
        float[] got = Nd4j.toFlattened('c', EquivalenceITCase.model(output).getParam(Networks.OUTPUT + "_W")).toFloatVector();
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-6, "classifier weight " + i + " is the pretrained one");
        }
    }

    @Test
    void aFolderTheIndexLacksStopsTheRunWithOneLine() throws Exception {
        Path data = dogs(CHIHUAHUA, "n02099999-Foo");
        String index = imageNet();
        JobRunner run = JobRunner.run("--data", data.toUri().toString(), "--output", temp.resolve("refused").toUri().toString(),
                "--slots", "2", "--batch-size", "4", "--epochs", "1", "--crop", "32", "--model", "cnn-small", "--class-index", index);
        assertEquals(2, run.exitCode(), run.err());
        assertEquals("error: --class-index " + index + ": 1 folder does not map to one class: n02099999-Foo (no class)",
                run.err().strip());
    }

    @Test
    void aMissingIndexIsOneLineNamingIt() throws Exception {
        Path data = dogs(CHIHUAHUA, SHELTIE);
        String missing = temp.resolve("no-such-index.txt").toUri().toString();
        JobRunner run = JobRunner.run("--data", data.toUri().toString(), "--output", temp.resolve("refused").toUri().toString(),
                "--model", "cnn-small", "--crop", "32", "--class-index", missing);
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().startsWith("error: cannot access --class-index " + missing + ": FileNotFoundException"), run.err());
        assertEquals(1, run.err().lines().count(), run.err());
    }

    /** Two classes of images in folders named as Stanford Dogs names them. */
    private Path dogs(String first, String second) throws Exception {
        Path data = EquivalenceITCase.writeTwoClassImages(temp.resolve("data"), 8);
        Files.move(data.resolve("class-0"), data.resolve(first));
        Files.move(data.resolve("class-1"), data.resolve(second));
        return data;
    }

    /** A 1000-class index in the seed's dict format, with ImageNet's names at 151 and 230. */
    private String imageNet() throws Exception {
        StringBuilder dict = new StringBuilder("{");
        for (int c = 0; c < 1000; c++) {
            String name = switch (c) {
                case 151 -> "'Chihuahua'";
                case 230 -> "'Shetland sheepdog, Shetland sheep dog, Shetland'";
                case 739 -> "\"potter's wheel\"";
                default -> "'class " + c + "'";
            };
            dict.append(c == 0 ? "" : ",\n ").append(c).append(": ").append(name);
        }
        Path file = temp.resolve("imagenet1000_clsidx_to_labels.txt");
        Files.writeString(file, dict.append("}").toString(), StandardCharsets.UTF_8);
        return file.toUri().toString();
    }
}
