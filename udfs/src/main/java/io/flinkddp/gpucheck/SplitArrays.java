package io.flinkddp.gpucheck;

import io.flinkddp.data.DecodedImage;
import io.flinkddp.data.SplitImage;
import io.flinkddp.model.gpu.Npy;
import java.io.IOException;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * An image set as the training job splits and decodes it, in the files that {@code bin/export-split}
 * ({@link ExportSplit}) writes and the training check ({@link TrainCheck}) reads on a machine without Flink,
 * OpenCV or the images. Under one folder:
 * <pre>
 * train-images.npy   uint8 [N, crop, crop, 3]  the training images (RGB, resized and center-cropped), in split order
 * train-labels.npy   int64 [N]                 their class indices
 * train-paths.txt                              their paths below --data, one a line
 * val-images.npy, val-labels.npy, val-paths.txt   the same for the validation images
 * labels.txt                                   class index, a tab, the class folder (the job's labels.txt)
 * split.properties                             the options that made the split (data, seed, subset, train-fraction,
 *                                              resize, crop, class-index), the class count and the image counts
 * </pre>
 * Split order is the rank the split gave each image, so the training images are in the order of the job's shard with
 * {@code --slots 1}. Plain Java (no Flink, OpenCV or ND4J). Holds the pixels of both parts.
 */
public record SplitArrays(Map<String, String> split, Part train, Part validation) {

    /** Images (crop x crop x RGB bytes each), their class indices and their paths below the data root. */
    public record Part(List<byte[]> images, int[] labels, List<String> paths) {

        public Part {
            if (labels.length != images.size() || paths.size() != images.size()) {
                throw new IllegalArgumentException(images.size() + " images, " + labels.length + " labels and " + paths.size() + " paths");
            }
        }

        public int size() {
            return labels.length;
        }
    }

    static final String PROPERTIES = "split.properties";
    static final String LABELS = "labels.txt";
    private static final String[] PARTS = {"train", "val"};

    /** The image side ({@code crop}). */
    public int side() {
        return Integer.parseInt(property("crop"));
    }

    /** The seed of the split, which also seeds the shuffles and the initial weights. */
    public long seed() {
        return Long.parseLong(property("seed"));
    }

    /** The classifier's class count: the folders', or the class index's. */
    public int classes() {
        return Integer.parseInt(property("classes"));
    }

    public String property(String key) {
        String value = split.get(key);
        if (value == null) {
            throw new IllegalArgumentException(PROPERTIES + " has no " + key);
        }
        return value;
    }

    /**
     * The images as the job's one slot holds them ({@code --slots 1}): slot 0, training then validation images, each
     * with its role and its position in split order, for a {@link io.flinkddp.train.TrainingShard}.
     */
    public List<DecodedImage> shard() {
        List<DecodedImage> shard = new ArrayList<>(train.size() + validation.size());
        long order = 0;
        for (Part part : List.of(train, validation)) {
            int role = part == train ? SplitImage.TRAIN : SplitImage.VALIDATION;
            for (int i = 0; i < part.size(); i++) {
                shard.add(new DecodedImage(new SplitImage(part.paths().get(i), part.labels()[i], role, 0, order++), part.images().get(i)));
            }
        }
        return shard;
    }

    /** Writes the folder's files ({@code labelLines}: labels.txt); the arrays are streamed, each file written under a temporary name and renamed. */
    public void write(Path folder, String labelLines) throws IOException {
        Files.createDirectories(folder);
        int side = side();
        for (String name : PARTS) {
            Part part = name.equals("train") ? train : validation;
            Npy.writeUint8(folder.resolve(name + "-images.npy"), part.images(), part.size(), side, side, 3);
            Npy.write(folder.resolve(name + "-labels.npy"), Npy.encode(Arrays.stream(part.labels()).asLongStream().toArray(), part.size()));
            writeText(folder.resolve(name + "-paths.txt"), String.join("\n", part.paths()) + (part.size() > 0 ? "\n" : ""));
        }
        writeText(folder.resolve(LABELS), labelLines);
        StringBuilder properties = new StringBuilder("# bin/export-split: the split and decoding of train-*.npy and val-*.npy\n");
        split.forEach((key, value) -> properties.append(key).append('=')
                .append(value.replace("\\", "\\\\").replace("\n", "\\n")).append('\n'));
        writeText(folder.resolve(PROPERTIES), properties.toString());
    }

    /** Reads what {@link #write} wrote; a missing file or arrays that do not fit together are refused, naming the file. */
    public static SplitArrays read(Path folder) throws IOException {
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(folder.resolve(PROPERTIES), StandardCharsets.UTF_8)) {
            properties.load(in);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(folder + " holds no " + PROPERTIES + ": not a folder bin/export-split wrote");
        }
        Map<String, String> split = new LinkedHashMap<>();
        properties.stringPropertyNames().stream().sorted().forEach(key -> split.put(key, properties.getProperty(key)));
        SplitArrays shape = new SplitArrays(split, null, null);
        int side = shape.side();
        Part[] parts = new Part[2];
        for (int p = 0; p < 2; p++) {
            Path imagesFile = folder.resolve(PARTS[p] + "-images.npy");
            Npy.Array images = Npy.read(imagesFile);
            long[] s = images.shape();
            if (!images.dtype().equals("|u1") || s.length != 4 || s[1] != side || s[2] != side || s[3] != 3) {
                throw new IllegalArgumentException(imagesFile + ": expected uint8 [N, " + side + ", " + side + ", 3] (crop " + side
                        + " in " + PROPERTIES + "), found " + images.dtype() + " " + Arrays.toString(s));
            }
            int[] labels = Npy.read(folder.resolve(PARTS[p] + "-labels.npy")).ints();
            List<String> paths = Files.readAllLines(folder.resolve(PARTS[p] + "-paths.txt"), StandardCharsets.UTF_8);
            if (labels.length != s[0] || paths.size() != s[0]) {
                throw new IllegalArgumentException(folder + ": " + s[0] + " " + PARTS[p] + " images, " + labels.length + " labels, "
                        + paths.size() + " paths");
            }
            List<byte[]> rows = new ArrayList<>(labels.length);
            ByteBuffer data = images.data().duplicate();
            for (int i = 0; i < labels.length; i++) {
                byte[] row = new byte[side * side * 3];
                data.get(row);
                rows.add(row);
            }
            parts[p] = new Part(rows, labels, paths);
        }
        int classes = shape.classes();
        for (Part part : parts) {
            for (int label : part.labels()) {
                if (label < 0 || label >= classes) {
                    throw new IllegalArgumentException(folder + ": label " + label + " outside the " + classes + " classes of " + PROPERTIES);
                }
            }
        }
        return new SplitArrays(split, parts[0], parts[1]);
    }

    private static void writeText(Path file, String text) throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(temporary, text, StandardCharsets.UTF_8);
        Files.move(temporary, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
