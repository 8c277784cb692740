package io.flinkddp.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A slot's decoded images, kept between rounds: pixels on the heap up to a byte budget, beyond it in a
 * local spill file of fixed-size records (every image of a run has the same crop x crop x 3 bytes). The
 * file is unlinked as soon as it is open, so it disappears with the process whatever happens. Images
 * are numbered in the order they were added; {@link #get} reads a spilled one back with one positional read.
 *
 * <p>Not thread-safe: one training subtask owns it.
 */
public final class ImageCache implements AutoCloseable {

    private final long budgetBytes;
    private final Path spillDirectory;
    private final List<byte[]> inHeap = new ArrayList<>();
    private int[] labels = new int[64];
    private long[] orders = new long[64];
    private int size;
    private int recordBytes = -1;
    private long heapBytes;
    private FileChannel spill;
    private int spilled;

    public ImageCache(long budgetBytes, Path spillDirectory) {
        this.budgetBytes = budgetBytes;
        this.spillDirectory = spillDirectory;
    }

    public void add(DecodedImage image) {
        if (recordBytes < 0) {
            recordBytes = image.pixels.length;
        } else if (image.pixels.length != recordBytes) {
            throw new IllegalArgumentException("images of " + image.pixels.length + " and " + recordBytes + " bytes in one cache");
        }
        if (size == labels.length) {
            labels = Arrays.copyOf(labels, size * 2);
            orders = Arrays.copyOf(orders, size * 2);
        }
        labels[size] = image.label;
        orders[size] = image.order;
        if (spill == null && heapBytes + recordBytes <= budgetBytes) {
            inHeap.add(image.pixels);
            heapBytes += recordBytes;
        } else {
            write(image.pixels);
        }
        size++;
    }

    public int size() {
        return size;
    }

    public int label(int index) {
        check(index);
        return labels[index];
    }

    public long order(int index) {
        check(index);
        return orders[index];
    }

    /** The pixels of image {@code index}: the cached array itself if on the heap (do not modify), else a fresh copy from disk. */
    public byte[] pixels(int index) {
        check(index);
        if (index < inHeap.size()) {
            return inHeap.get(index);
        }
        byte[] pixels = new byte[recordBytes];
        ByteBuffer buffer = ByteBuffer.wrap(pixels);
        long position = (long) (index - inHeap.size()) * recordBytes;
        try {
            while (buffer.hasRemaining()) {
                if (spill.read(buffer, position + buffer.position()) < 0) {
                    throw new IOException("the spill file ends early");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read image " + index + " back from the spill file in " + spillDirectory, e);
        }
        return pixels;
    }

    /** Bytes of pixels held on the heap (at most the budget). */
    public long heapBytes() {
        return heapBytes;
    }

    /** Bytes of pixels in the spill file. */
    public long spilledBytes() {
        return (long) spilled * Math.max(recordBytes, 0);
    }

    private void write(byte[] pixels) {
        try {
            if (spill == null) {
                Files.createDirectories(spillDirectory);
                Path file = Files.createTempFile(spillDirectory, "flink-ddp-images-", ".spill");
                spill = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
                Files.delete(file);
            }
            ByteBuffer buffer = ByteBuffer.wrap(pixels);
            long position = (long) spilled * recordBytes;
            while (buffer.hasRemaining()) {
                spill.write(buffer, position + buffer.position());
            }
            spilled++;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot spill decoded images to " + spillDirectory + ": " + e.getMessage(), e);
        }
    }

    private void check(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("image " + index + " of " + size);
        }
    }

    @Override
    public void close() {
        try {
            if (spill != null) {
                spill.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
