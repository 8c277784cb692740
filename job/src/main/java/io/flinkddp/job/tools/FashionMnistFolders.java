package io.flinkddp.job.tools;

import java.awt.image.BufferedImage;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;
import javax.imageio.ImageIO;

/**
 * Converts Fashion-MNIST's IDX files (Debian's dataset-fashion-mnist installs them under
 * /usr/share/datasets/fashion-mnist) into the folder-per-class layout the job reads, one grayscale
 * PNG per image: {@code OUT/3-dress/train-00042.png}.
 *
 * <p>Usage: {@code bin/make-fashion-mnist OUT [--per-class N] [--sets train,t10k] [--source DIR]}.
 * {@code --per-class 100} made the bundled sample; without it every image is written (60,000 train
 * and 10,000 test).
 */
public final class FashionMnistFolders {

    public static final List<String> CLASSES = List.of("0-t-shirt-top", "1-trouser", "2-pullover", "3-dress", "4-coat",
            "5-sandal", "6-shirt", "7-sneaker", "8-bag", "9-ankle-boot");

    private FashionMnistFolders() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 0 || args[0].startsWith("--")) {
            System.err.println("usage: make-fashion-mnist OUT [--per-class N] [--sets train,t10k] [--source DIR]");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        int perClass = Integer.MAX_VALUE;
        List<String> sets = List.of("train", "t10k");
        Path source = Path.of("/usr/share/datasets/fashion-mnist");
        for (int i = 1; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--per-class" -> perClass = Integer.parseInt(args[i + 1]);
                case "--sets" -> sets = List.of(args[i + 1].split(","));
                case "--source" -> source = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        int written = 0;
        for (String set : sets) {
            written += convert(source.resolve(set + "-images-idx3-ubyte.gz"), source.resolve(set + "-labels-idx1-ubyte.gz"),
                    set, out, perClass);
        }
        System.out.println("wrote " + written + " images to " + out);
    }

    public static int convert(Path imagesFile, Path labelsFile, String set, Path out, int perClass) throws IOException {
        try (DataInputStream images = open(imagesFile, 2051); DataInputStream labels = open(labelsFile, 2049)) {
            int count = images.readInt();
            int rows = images.readInt();
            int cols = images.readInt();
            if (labels.readInt() != count) {
                throw new IOException(labelsFile + " and " + imagesFile + " hold different counts");
            }
            for (String name : CLASSES) {
                Files.createDirectories(out.resolve(name));
            }
            int[] perLabel = new int[CLASSES.size()];
            byte[] pixels = new byte[rows * cols];
            int written = 0;
            for (int i = 0; i < count; i++) {
                images.readFully(pixels);
                int label = labels.readUnsignedByte();
                if (perLabel[label] >= perClass) {
                    continue;
                }
                perLabel[label]++;
                BufferedImage image = new BufferedImage(cols, rows, BufferedImage.TYPE_BYTE_GRAY);
                image.getRaster().setDataElements(0, 0, cols, rows, pixels);
                ImageIO.write(image, "png", out.resolve(CLASSES.get(label)).resolve(String.format("%s-%05d.png", set, i)).toFile());
                written++;
            }
            return written;
        }
    }

    private static DataInputStream open(Path file, int magic) throws IOException {
        InputStream in = new GZIPInputStream(Files.newInputStream(file));
        DataInputStream data = new DataInputStream(new java.io.BufferedInputStream(in));
        int found = data.readInt();
        if (found != magic) {
            data.close();
            throw new IOException(file + " is not an IDX file (magic " + found + ", expected " + magic + ")");
        }
        return data;
    }
}
