package io.flinkddp.data;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2RGB;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import java.io.Serializable;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Decodes JPEG and PNG bytes with OpenCV and produces the network's view of the image: the shorter
 * side resized to {@code resize} (area interpolation when shrinking, bilinear when enlarging), then a
 * {@code crop} x {@code crop} center crop, as torchvision's {@code Resize} + {@code CenterCrop}.
 * Grayscale, RGBA, 16-bit and CMYK inputs become 8-bit RGB. Output: crop x crop x 3 bytes, RGB, row-major.
 */
public final class ImageDecoder implements Serializable {

    /** Larger files are skipped rather than decoded: no real photo is this big. */
    public static final long MAX_FILE_BYTES = 64L << 20;

    private final int resizePixels;
    private final int cropPixels;

    public ImageDecoder(int resizePixels, int cropPixels) {
        this.resizePixels = resizePixels;
        this.cropPixels = cropPixels;
    }

    public byte[] decode(byte[] encoded) throws UndecodableImageException {
        if (encoded.length == 0) {
            throw new UndecodableImageException("empty file (0 bytes)");
        }
        if (encoded.length > MAX_FILE_BYTES) {
            throw new UndecodableImageException("file of " + encoded.length + " bytes is larger than " + MAX_FILE_BYTES);
        }
        if (isJpeg(encoded) && !hasJpegEnd(encoded)) {
            throw new UndecodableImageException("truncated JPEG (no end-of-image marker)");
        }
        try (BytePointer data = new BytePointer(encoded);
             Mat buffer = new Mat(1, encoded.length, CV_8UC1, data);
             Mat image = imdecode(buffer, IMREAD_COLOR)) {
            if (image == null || image.empty()) {
                throw new UndecodableImageException("not a decodable JPEG or PNG (corrupt or truncated)");
            }
            return resizeAndCrop(image);
        }
    }

    private byte[] resizeAndCrop(Mat image) {
        int width = image.cols();
        int height = image.rows();
        int newWidth;
        int newHeight;
        if (width <= height) {
            newWidth = resizePixels;
            newHeight = (int) ((long) resizePixels * height / width);
        } else {
            newHeight = resizePixels;
            newWidth = (int) ((long) resizePixels * width / height);
        }
        int interpolation = newWidth < width ? INTER_AREA : INTER_LINEAR;
        // torchvision's CenterCrop: int(round((w - crop) / 2.0)), and Python rounds halves to even (58.5 -> 58)
        int left = (int) Math.rint((newWidth - cropPixels) / 2.0);
        int top = (int) Math.rint((newHeight - cropPixels) / 2.0);
        try (Mat resized = new Mat();
             Size size = new Size(newWidth, newHeight);
             Rect center = new Rect(left, top, cropPixels, cropPixels);
             Mat rgb = new Mat()) {
            resize(image, resized, size, 0, 0, interpolation);
            try (Mat cropped = new Mat(resized, center)) {
                cvtColor(cropped, rgb, COLOR_BGR2RGB);
            }
            byte[] pixels = new byte[cropPixels * cropPixels * 3];
            rgb.data().get(pixels);
            return pixels;
        }
    }

    private static boolean isJpeg(byte[] bytes) {
        return bytes.length >= 2 && (bytes[0] & 0xff) == 0xFF && (bytes[1] & 0xff) == 0xD8;
    }

    /** A complete JPEG ends with FF D9, possibly followed by a little padding. */
    private static boolean hasJpegEnd(byte[] bytes) {
        for (int i = bytes.length - 2; i >= Math.max(2, bytes.length - 1024); i--) {
            if ((bytes[i] & 0xff) == 0xFF && (bytes[i + 1] & 0xff) == 0xD9) {
                return true;
            }
        }
        return false;
    }
}
