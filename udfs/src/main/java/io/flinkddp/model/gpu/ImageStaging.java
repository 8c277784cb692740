package io.flinkddp.model.gpu;

import java.util.List;
import org.bytedeco.javacpp.BytePointer;

/**
 * The host side of an image upload: a minibatch's images (uint8 pixels as the image cache keeps them)
 * copied back to back into native memory, image i at byte i x {@code imageBytes}, one bulk put per image
 * (as fast as a native memcpy and faster than a {@code ByteBuffer} view: BENCHMARKS part 14). The memory
 * is the caller's: page-locked for the GPU in {@link CudaOps}, any native memory elsewhere. Keeps nothing.
 */
public final class ImageStaging {

    private ImageStaging() {
    }

    /**
     * Copies the first {@code imageBytes} of each image into {@code to} from its start and leaves its
     * position at 0; returns the bytes written. Throws if {@code to}'s capacity is too small or an image is short.
     */
    public static long copy(List<byte[]> images, int imageBytes, BytePointer to) {
        long total = (long) images.size() * imageBytes;
        if (total > to.capacity()) {
            throw new IllegalArgumentException(images.size() + " images of " + imageBytes + " bytes into " + to.capacity() + " bytes");
        }
        for (int i = 0; i < images.size(); i++) {
            byte[] image = images.get(i);
            if (image.length < imageBytes) {
                throw new IllegalArgumentException("image " + i + " has " + image.length + " bytes, not " + imageBytes);
            }
            to.position((long) i * imageBytes).put(image, 0, imageBytes);
        }
        to.position(0);
        return total;
    }
}
