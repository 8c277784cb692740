package io.flinkddp.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What a command does about another writer: a detached one names its job; an attached one waits for a process and reports its end. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OtherWriterTest {

    private static final String JOB = "0123456789abcdef0123456789abcdef";

    @TempDir
    Path temp;

    /** Process 42 lives for {@code polls} questions, then ends. */
    private static WriterLookups livesFor(int polls, AtomicInteger asked) {
        return new WriterLookups() {
            @Override
            public Optional<String> jobState(String rest, String jobId) {
                throw new AssertionError("a process is not looked up at a JobManager");
            }

            @Override
            public boolean alive(long pid, String started) {
                assertEquals(42, pid);
                assertEquals("2026-12-02T05:00:00Z", started);
                return asked.incrementAndGet() <= polls;
            }

            @Override
            public String host() {
                return "here";
            }
        };
    }

    @Test
    void aDetachedCommandSubmitsNothingAndNamesTheJob() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RunWriter.Running other = new RunWriter.Running(JOB, "http://jm:8081", -1, null, "--output s3://b/run is being written by job " + JOB
                + " (RUNNING on http://jm:8081)");
        OptionalInt code = OtherWriter.await(other, false, "s3://b/run", livesFor(0, new AtomicInteger()), print(out), print(out));
        assertEquals(OptionalInt.of(0), code);
        assertEquals("not submitted: --output s3://b/run is being written by job " + JOB + " (RUNNING on http://jm:8081); it goes on as JobID "
                + JOB + ": wait for it with bin/await-job " + JOB, out.toString(StandardCharsets.UTF_8).strip());
    }

    @Test
    void aProcessIsWaitedForAndWhatItLeftDecides() throws Exception {
        RunWriter.Running other = new RunWriter.Running(JOB, null, 42, "2026-12-02T05:00:00Z", "--output x is being written by job " + JOB);
        Path output = Files.createDirectories(temp.resolve("run"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        AtomicInteger asked = new AtomicInteger();
        OptionalInt failed = OtherWriter.await(other, true, output.toUri().toString(), livesFor(1, asked), print(out), print(err));
        assertEquals(OptionalInt.of(1), failed, "ended without _SUCCESS");
        assertEquals(2, asked.get(), "asked until the process had ended");
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("waiting for process 42 to end"), out.toString(StandardCharsets.UTF_8));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("error: process 42 ended without finishing"), err.toString(StandardCharsets.UTF_8));

        Files.writeString(output.resolve("_SUCCESS"), "");
        OptionalInt finished = OtherWriter.await(other, true, output.toUri().toString(), livesFor(0, new AtomicInteger()), print(out), print(err));
        assertTrue(finished.isEmpty(), "it finished the run: the command looks at the output again");
    }

    private static PrintStream print(ByteArrayOutputStream bytes) {
        return new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }
}
