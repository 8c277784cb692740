package io.flinkddp.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkddp.config.TrainingSettings;
import io.flinkddp.model.Networks;
import java.nio.file.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --init-weights} through the whole job on a MiniCluster with 2 slots: at a learning rate too
 * small to move a float32 weight, the trained model is the one the run started from, on both replicas;
 * weights of another network stop the run before it is submitted, with exit code 2 and one line naming
 * the entry; with --freeze the frozen stages keep the loaded weights exactly.
 */
class InitWeightsITCase {

    @TempDir
    Path temp;

    @Test
    void everyReplicaStartsFromTheGivenModelZip() throws Exception {
        Path data = EquivalenceITCase.writeTwoClassImages(temp.resolve("data"), 8);
        ComputationGraph earlier = fresh(Networks.smallCnn(2, 32, 99));
        String uri = save(earlier, "earlier.zip");
        Path output = temp.resolve("run");
        TrainingSettings settings = EquivalenceITCase.settings(data, output, 2, 4, "--epochs", "1", "--lr", "1e-30",
                "--init-weights", uri);
        TrainJob.train(TrainLocal.localEnvironment(null, settings), settings);

        float[] want = earlier.params().toFloatVector();
        float[] got = EquivalenceITCase.model(output).params().toFloatVector();
        assertNotEquals(fresh(Networks.smallCnn(2, 32, settings.seed())).params(), earlier.params(),
                "without --init-weights the run would start elsewhere");
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-6, "parameter " + i);
        }
        var summary = new ObjectMapper().readTree(output.resolve("summary.json").toFile());
        assertTrue(summary.get("replicas_identical").asBoolean(), summary.toString());
        assertEquals(uri, summary.get("settings").get("init-weights").asText(), summary.toString());
    }

    /** Fine-tuning: stages frozen by --freeze keep the loaded weights and batch-norm statistics bit for bit; the rest trains. */
    @Test
    void frozenStagesKeepTheLoadedWeightsOnEveryReplica() throws Exception {
        Path data = EquivalenceITCase.writeTwoClassImages(temp.resolve("data"), 8);
        ComputationGraph earlier = fresh(Networks.resNet50(2, 32, 99));
        Path output = temp.resolve("frozen");
        TrainingSettings settings = EquivalenceITCase.settings(data, output, 2, 4, "--epochs", "1", "--model", "resnet50",
                "--init-weights", save(earlier, "resnet50.zip"), "--freeze", "layer3");
        TrainJob.train(TrainLocal.localEnvironment(null, settings), settings);

        ComputationGraph trained = EquivalenceITCase.model(output);
        long trainedFrom = io.flinkddp.model.Dl4jDescription.layout(trained, Networks.frozenVertices(trained, "layer3")).trainedFrom();
        float[] want = earlier.params().toFloatVector();
        float[] got = trained.params().toFloatVector();
        for (int i = 0; i < trainedFrom; i++) {
            assertEquals(want[i], got[i], 0f, "frozen parameter " + i);
        }
        int moved = 0;
        for (int i = (int) trainedFrom; i < want.length; i++) {
            moved += want[i] != got[i] ? 1 : 0;
        }
        assertTrue(moved > (want.length - trainedFrom) / 2, "layer4 and fc train: " + moved + " of " + (want.length - trainedFrom) + " moved");
        var summary = new ObjectMapper().readTree(output.resolve("summary.json").toFile());
        assertTrue(summary.get("replicas_identical").asBoolean(), summary.toString());
    }

    @Test
    void weightsOfAnotherNetworkStopTheRunWithOneLine() throws Exception {
        Path data = EquivalenceITCase.writeTwoClassImages(temp.resolve("data"), 8);
        String uri = save(fresh(Networks.resNet(new int[] {1}, 2, 32, 1)), "resnet.zip");
        JobRunner run = JobRunner.run("--data", data.toUri().toString(), "--output", temp.resolve("refused").toUri().toString(),
                "--slots", "2", "--batch-size", "4", "--epochs", "1", "--crop", "32", "--model", "cnn-small", "--init-weights", uri);
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().startsWith("error: --init-weights: conv1.weight: shape [64, 3, 7, 7] in " + uri
                + ", the network has [16, 3, 3, 3]"), run.err());
        assertEquals(1, run.err().lines().count(), run.err());
    }

    private static ComputationGraph fresh(org.deeplearning4j.nn.conf.ComputationGraphConfiguration conf) {
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }

    private String save(ComputationGraph net, String name) throws Exception {
        Path file = temp.resolve(name);
        ModelSerializer.writeModel(net, file.toFile(), false);
        return file.toUri().toString();
    }
}
