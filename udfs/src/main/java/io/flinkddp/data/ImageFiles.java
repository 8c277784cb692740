package io.flinkddp.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.Optional;
import org.apache.flink.core.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads an image below the image-set root through Flink's file systems and decodes it
 * ({@link ImageDecoder}): in, a path relative to the root; out, the crop x crop x RGB bytes, or nothing
 * for an image that cannot be decoded (logged with its path and the reason; the caller counts it).
 * Storage failures are thrown. Shared by training's and scoring's decode-images. Keeps nothing.
 */
public final class ImageFiles implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ImageFiles.class);

    private final String root;
    private final ImageDecoder decoder;

    public ImageFiles(String root, int resizePixels, int cropPixels) {
        this.root = root;
        this.decoder = new ImageDecoder(resizePixels, cropPixels);
    }

    public Optional<byte[]> decode(String relativePath) throws IOException {
        Path path = new Path(new Path(root), relativePath);
        byte[] bytes;
        try (InputStream in = path.getFileSystem().open(path)) {
            bytes = in.readAllBytes();
        }
        try {
            return Optional.of(decoder.decode(bytes));
        } catch (UndecodableImageException e) {
            LOG.warn("skipping image {}: {}", path, e.getMessage());
            return Optional.empty();
        }
    }
}
