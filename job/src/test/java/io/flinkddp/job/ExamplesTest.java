package io.flinkddp.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkddp.config.TrainingSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The scheduler definitions under examples/ run the README's scheduled command: the same main class,
 * jar and options (each a real option of the job), their own {@code --output} per date under the same
 * prefix. The Airflow DAG is parsed with Python's ast (Airflow itself is not needed), the
 * DolphinScheduler task with Jackson.
 */
class ExamplesTest {

    static final Path REPO = Path.of(System.getProperty("maven.multiModuleProjectDirectory", "..")).toAbsolutePath().normalize();
    static final String OUTPUT_PREFIX = "s3://bucket/runs/";
    static final Pattern WORD = Pattern.compile("(?:\\{\\{.*?}}|\\S)+");

    /** A {@code flink run} command line: main class, jar file name, and its options in order. */
    record Command(String mainClass, String jar, Map<String, String> options) {

        static Command parse(String line) {
            List<String> words = words(line);
            assertEquals(List.of("flink", "run", "-c"), words.subList(0, 3), line);
            return new Command(words.get(3), Path.of(words.get(4)).getFileName().toString(), options(words.subList(5, words.size())));
        }

        static Map<String, String> options(List<String> words) {
            Map<String, String> options = new LinkedHashMap<>();
            for (int i = 0; i < words.size(); i += 2) {
                assertTrue(words.get(i).startsWith("--") && i + 1 < words.size(), "an option and its value at " + words.subList(i, words.size()));
                options.put(words.get(i), words.get(i + 1));
            }
            return options;
        }

        /** The options but --output, and --output's folder above the date. */
        void assertRuns(Command readme, String what) {
            assertEquals(readme.mainClass, mainClass, what);
            assertEquals(readme.jar, jar, what);
            assertSameOptions(readme.options, options, what);
        }
    }

    /** The words of a command line, split at blanks outside Jinja's {@code {{ ... }}}. */
    static List<String> words(String line) {
        return WORD.matcher(line).results().map(MatchResult::group).toList();
    }

    static void assertSameOptions(Map<String, String> readme, Map<String, String> example, String what) {
        Map<String, String> want = new LinkedHashMap<>(readme);
        Map<String, String> got = new LinkedHashMap<>(example);
        String output = got.remove("--output");
        want.remove("--output");
        assertEquals(want, got, what + ": the README's options");
        assertTrue(output != null && output.startsWith(OUTPUT_PREFIX) && output.length() > OUTPUT_PREFIX.length(),
                what + ": --output " + output + " is a folder per run under " + OUTPUT_PREFIX);
    }

    /** The one README command line of {@code flink run -c io.flinkddp.job.TrainJob}, each option a real one. */
    static Command readme() throws Exception {
        List<String> lines = Files.readAllLines(REPO.resolve("README.md")).stream()
                .filter(line -> line.startsWith("flink run -c " + TrainJob.class.getName())).toList();
        assertEquals(1, lines.size(), "README.md has one scheduled command: " + lines);
        Command command = Command.parse(lines.get(0));
        assertEquals(TrainJob.class.getName(), command.mainClass);
        for (String option : command.options.keySet()) {
            assertTrue(TrainingSettings.OPTIONS.stream().anyMatch(o -> ("--" + o.name()).equals(option)), option + " is an option of the job");
        }
        assertTrue(command.options.get("--output").startsWith(OUTPUT_PREFIX), command.toString());
        return command;
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void theAirflowDagRunsTheReadmesCommandWithRetries() throws Exception {
        // Prints the BashOperator's bash_command and retries, and the S3KeySensor's bucket_key, as JSON.
        String script = String.join("\n",
                "import ast, json, sys",
                "tree = ast.parse(open(sys.argv[1]).read())",
                "found = {}",
                "for node in ast.walk(tree):",
                "    if isinstance(node, ast.Call) and getattr(node.func, 'id', None) in ('BashOperator', 'S3KeySensor'):",
                "        found[node.func.id] = {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg in ('bash_command', 'retries', 'bucket_key')}",
                "print(json.dumps(found))");
        Process python = new ProcessBuilder("/usr/bin/python3", "-c", script, REPO.resolve("examples/airflow/flink_ddp_dag.py").toString())
                .redirectErrorStream(true).start();
        String printed = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(python.waitFor(20, TimeUnit.SECONDS), "python3 ended");
        assertEquals(0, python.exitValue(), printed);
        JsonNode dag = new ObjectMapper().readTree(printed);

        Command bash = Command.parse(dag.path("BashOperator").path("bash_command").asText());
        bash.assertRuns(readme(), "the DAG's BashOperator");
        assertEquals(OUTPUT_PREFIX + "{{ ds }}", bash.options.get("--output"));
        assertEquals(2, dag.path("BashOperator").path("retries").asInt(), printed);
        assertEquals(bash.options.get("--output") + "/_SUCCESS", dag.path("S3KeySensor").path("bucket_key").asText(), printed);
    }

    @Test
    void theDolphinSchedulerTaskRunsTheReadmesCommand() throws Exception {
        JsonNode task = new ObjectMapper().readTree(REPO.resolve("examples/dolphinscheduler/flink-ddp-task.json").toFile());
        assertEquals("FLINK", task.path("taskType").asText());
        assertEquals(2, task.path("failRetryTimes").asInt());
        JsonNode params = task.path("taskParams");
        Command readme = readme();
        assertEquals(readme.mainClass, params.path("mainClass").asText());
        assertEquals(readme.jar, Path.of(params.path("mainJar").path("resourceName").asText()).getFileName().toString());
        assertEquals("JAVA", params.path("programType").asText());
        Map<String, String> options = Command.options(words(params.path("mainArgs").asText()));
        assertSameOptions(readme.options, options, "the DolphinScheduler task");
        assertEquals(OUTPUT_PREFIX + "${system.biz.date}", options.get("--output"));
    }
}
