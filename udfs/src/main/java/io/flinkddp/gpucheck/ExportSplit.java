package io.flinkddp.gpucheck;

import io.flinkddp.config.CommandLine;
import io.flinkddp.config.InvalidSettingsException;
import io.flinkddp.config.TrainingSettings;
import io.flinkddp.data.ClassFolder;
import io.flinkddp.data.ClassFolders;
import io.flinkddp.data.ClassLabels;
import io.flinkddp.data.ImageFiles;
import io.flinkddp.data.ImageRef;
import io.flinkddp.data.InvalidDataException;
import io.flinkddp.data.SplitImage;
import io.flinkddp.data.classindex.ClassIndex;
import io.flinkddp.functions.AssignSplit;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.apache.flink.api.common.functions.util.ListCollector;

/**
 * {@code bin/export-split}: an image tree through the training job's own listing ({@link ClassFolders}, as
 * list-images lists), split ({@link AssignSplit}, the job's split function) and decoding ({@link ImageFiles}, as
 * decode-images decodes: resize, center crop, uint8 RGB) into the arrays of {@link SplitArrays}, for a machine
 * that has a GPU but not the job, its images or OpenCV ({@link TrainCheck} trains on them there).
 *
 * <p>In: the training command's options, read by its own declarations ({@link TrainingSettings}), so the same
 * {@code --data}, {@code --seed}, {@code --subset}, {@code --train-fraction}, {@code --resize}, {@code --crop} and
 * {@code --class-index} give the job's split and pixels; {@code --output} is the folder to write. Out: that
 * folder, and one line on stdout with the counts and bytes. Images that do not decode are left out, as the job
 * leaves them out (counted as skipped). Needs the job's classpath (Flink's file systems, OpenCV), no cluster.
 *
 * <pre>ExportSplit --data DIR --output FOLDER [--crop 224] [--seed 42] [...the training command's options]</pre>
 */
public final class ExportSplit {

    private ExportSplit() {
    }

    public static void main(String[] args) {
        try {
            Map<String, String> values = CommandLine.merge(TrainingSettings.OPTIONS, Map.of(), args);
            if (CommandLine.wantsHelp(values)) {
                System.out.print(CommandLine.help("bin/export-split", TrainingSettings.OPTIONS)
                        + "\nWrites under --output the split arrays of the GPU machine's training check (bench/gpu/train-check.sh).\n");
                return;
            }
            TrainingSettings settings = TrainingSettings.fromOptions(values, null, null);
            SplitArrays arrays = export(settings);
            System.out.println(summary(settings, arrays));
        } catch (InvalidSettingsException | InvalidDataException e) {
            System.err.println("export-split: " + e.getMessage());
            System.exit(2);
        } catch (IOException | UncheckedIOException e) {
            System.err.println("export-split: " + e.getMessage());
            System.exit(1);
        }
    }

    /** Lists, splits and decodes {@code --data} as the job does and writes the arrays under {@code --output}; returns them. */
    public static SplitArrays export(TrainingSettings settings) throws IOException {
        String data = settings.data();
        List<String> folders = ClassFolders.list(data);
        Optional<String> index = settings.classIndex();
        ClassLabels classes = index.isPresent() ? ClassIndex.read(index.get()).mapFolders(folders) : ClassLabels.ofFolders(folders);
        List<ImageRef> listed = new ArrayList<>();
        long[] ignored = new long[1];
        for (ClassFolder folder : classes.classFolders()) {
            ClassFolders.listImages(data, folder, listed::add, () -> ignored[0]++);
        }
        List<SplitImage> split = new ArrayList<>();
        new AssignSplit(settings).reduce(listed, new ListCollector<>(split));
        split.sort(Comparator.comparingLong(image -> image.order));

        ImageFiles files = new ImageFiles(data, settings.resizePixels(), settings.cropPixels());
        List<SplitImage> used = split.stream().filter(image -> image.role != SplitImage.UNUSED).toList();
        List<Optional<byte[]>> decoded = IntStream.range(0, used.size()).parallel().mapToObj(i -> {
            try {
                return files.decode(used.get(i).relativePath);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + used.get(i).relativePath + " below " + data + ": " + e.getMessage(), e);
            }
        }).toList();
        List<List<byte[]>> images = List.of(new ArrayList<>(), new ArrayList<>());
        List<List<Integer>> labels = List.of(new ArrayList<>(), new ArrayList<>());
        List<List<String>> paths = List.of(new ArrayList<>(), new ArrayList<>());
        int skipped = 0;
        for (int i = 0; i < used.size(); i++) {
            if (decoded.get(i).isEmpty()) {
                skipped++;
                continue;
            }
            SplitImage image = used.get(i);
            int part = image.role == SplitImage.TRAIN ? 0 : 1;
            images.get(part).add(decoded.get(i).get());
            labels.get(part).add(image.label);
            paths.get(part).add(image.relativePath);
        }

        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("data", data);
        properties.put("seed", String.valueOf(settings.seed()));
        properties.put("subset", String.valueOf(settings.subsetFraction()));
        properties.put("train-fraction", String.valueOf(settings.trainFraction()));
        properties.put("resize", String.valueOf(settings.resizePixels()));
        properties.put("crop", String.valueOf(settings.cropPixels()));
        properties.put("class-index", index.orElse("none"));
        properties.put("classes", String.valueOf(classes.numClasses()));
        properties.put("listed", String.valueOf(listed.size()));
        properties.put("files-ignored", String.valueOf(ignored[0]));
        properties.put("unused", String.valueOf(split.size() - used.size()));
        properties.put("skipped", String.valueOf(skipped));
        properties.put("train", String.valueOf(images.get(0).size()));
        properties.put("validation", String.valueOf(images.get(1).size()));
        SplitArrays arrays = new SplitArrays(properties, part(images, labels, paths, 0), part(images, labels, paths, 1));
        arrays.write(Path.of(localPath(settings.output())), classes.labelLines());
        return arrays;
    }

    private static SplitArrays.Part part(List<List<byte[]>> images, List<List<Integer>> labels, List<List<String>> paths, int part) {
        return new SplitArrays.Part(images.get(part), labels.get(part).stream().mapToInt(Integer::intValue).toArray(), paths.get(part));
    }

    /** The arrays go to a local folder: a path, or a {@code file:} URI. */
    private static String localPath(String output) {
        if (output.startsWith("file:")) {
            return Path.of(java.net.URI.create(output)).toString();
        }
        if (output.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*")) {
            throw new InvalidSettingsException("--output " + output + ": the arrays are written to a local folder (a path or file://)");
        }
        return output;
    }

    private static String summary(TrainingSettings settings, SplitArrays arrays) {
        int side = arrays.side();
        long bytes = (long) (arrays.train().size() + arrays.validation().size()) * side * side * 3;
        return String.format(Locale.ROOT, "export-split: %d training and %d validation images of %d px (%s skipped, %s unused), %d classes,"
                        + " %.1f MB of pixels, seed %d -> %s", arrays.train().size(), arrays.validation().size(), side,
                arrays.property("skipped"), arrays.property("unused"), arrays.classes(), bytes / 1e6, settings.seed(), settings.output());
    }
}
