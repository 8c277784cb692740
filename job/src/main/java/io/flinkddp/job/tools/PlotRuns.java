package io.flinkddp.job.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkddp.config.RunFiles;
import io.flinkddp.output.Curves;
import io.flinkddp.train.EpochMetrics;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Draws several runs' curves in one picture to compare their settings: goes in, the runs' folders
 * (each with its {@code metrics.jsonl}, or that file itself), comes out one PNG ({@link Curves}: loss
 * and top-1 per epoch, a colour per run, learning-rate drops marked), named in the legend by the
 * argument as given. Keeps nothing.
 *
 * <p>Usage: {@code bin/plot-runs RUN... [--output FILE] [--title TEXT]}; FILE defaults to
 * {@value #DEFAULT_OUTPUT}. Exit code 2, with one line saying why, for a bad argument or a run without
 * readable metrics.
 */
public final class PlotRuns {

    static final String DEFAULT_OUTPUT = "compare.png";
    private static final String USAGE = "usage: plot-runs RUN... [--output FILE] [--title TEXT]";
    private static final ObjectMapper JSON = new ObjectMapper();

    private PlotRuns() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command; returns its exit code (0, or 2 with one line on {@code err}). */
    static int run(String[] args, PrintStream out, PrintStream err) {
        List<String> runs = new ArrayList<>();
        Path output = Path.of(DEFAULT_OUTPUT);
        String title = "";
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--output") || arg.equals("--title")) {
                if (i + 1 == args.length) {
                    err.println("error: " + arg + " needs a value; " + USAGE);
                    return 2;
                }
                if (arg.equals("--output")) {
                    output = Path.of(args[++i]);
                } else {
                    title = args[++i];
                }
            } else if (arg.startsWith("--")) {
                err.println("error: unknown option " + arg + "; " + USAGE);
                return 2;
            } else {
                runs.add(arg);
            }
        }
        if (runs.isEmpty()) {
            err.println("error: no run given; " + USAGE);
            return 2;
        }
        List<Curves.Run> curves = new ArrayList<>();
        for (String run : runs) {
            try {
                curves.add(new Curves.Run(name(run), read(Path.of(run))));
            } catch (java.nio.file.NoSuchFileException e) {
                err.println("error: cannot read the metrics of " + run + ": no file " + e.getFile());
                return 2;
            } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
                err.println("error: cannot read the metrics of " + run + ": " + e.getMessage());
                return 2;
            }
        }
        try {
            Path parent = output.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path temporary = Files.createTempFile(parent, "." + output.getFileName(), ".inprogress");
            Files.write(temporary, Curves.compare(title, curves));
            Files.move(temporary, output, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            err.println("error: cannot write " + output + ": " + e.getMessage());
            return 2;
        }
        out.println("wrote " + output + " (" + runs.size() + " runs)");
        return 0;
    }

    /** The epochs of a run folder's metrics.jsonl (or of that file), in order; refuses a run with none. */
    static List<EpochMetrics> read(Path run) throws IOException {
        Path file = Files.isDirectory(run) ? run.resolve(RunFiles.METRICS) : run;
        List<EpochMetrics> epochs = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank()) {
                epochs.add(EpochMetrics.fromJson(JSON.readValue(line, Map.class)));
            }
        }
        if (epochs.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no epoch");
        }
        return epochs;
    }

    private static String name(String run) {
        String name = run.endsWith("/") ? run.substring(0, run.length() - 1) : run;
        return name.endsWith("/" + RunFiles.METRICS) ? name.substring(0, name.length() - RunFiles.METRICS.length() - 1) : name;
    }
}
