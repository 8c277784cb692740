package io.flinkddp.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Decoding of odd images: JPEG, PNG, PNG with alpha and CMYK JPEG become RGB center crops; gray JPEG and 16-bit
 * gray PNG become three equal channels; the shorter side is resized, then the center cropped, with halves
 * rounded as torchvision's {@code CenterCrop} rounds them; empty, truncated and corrupt files are rejected with
 * a reason. Test images are 48x36: left half one colour, right half another (made with PIL).
 */
class ImageDecoderTest {

    private final ImageDecoder decoder = new ImageDecoder(36, 32);

    @ParameterizedTest
    @ValueSource(strings = {"red-blue.jpg", "red-blue.png", "red-blue-alpha.png", "red-blue-cmyk.jpg"})
    void colourImagesBecomeRgbCenterCrops(String name) throws Exception {
        byte[] rgb = decoder.decode(resource(name));
        assertEquals(32 * 32 * 3, rgb.length);
        int[] left = pixel(rgb, 16, 4);
        int[] right = pixel(rgb, 16, 28);
        assertTrue(left[0] > 150 && left[2] < 100, name + ": left is red, got " + Arrays.toString(left));
        assertTrue(right[2] > 150 && right[0] < 100, name + ": right is blue, got " + Arrays.toString(right));
    }

    @ParameterizedTest
    @ValueSource(strings = {"dark-light-gray.jpg", "dark-light-16bit.png"})
    void grayImagesBecomeThreeEqualChannels(String name) throws Exception {
        byte[] rgb = decoder.decode(resource(name));
        int[] left = pixel(rgb, 16, 4);
        int[] right = pixel(rgb, 16, 28);
        assertEquals(left[0], left[1]);
        assertEquals(left[1], left[2]);
        assertTrue(left[0] < 60 && right[0] > 170, name + ": dark then light, got " + left[0] + ", " + right[0]);
    }

    @Test
    void resizesTheShorterSideThenCropsTheCenter() throws Exception {
        // 48x36 -> shorter side 72 gives 96x72; the 32 px center crop sits at x 32..63, straddling the halves.
        byte[] rgb = new ImageDecoder(72, 32).decode(resource("red-blue.png"));
        assertTrue(pixel(rgb, 16, 2)[0] > 150, "left edge of the crop is red");
        assertTrue(pixel(rgb, 16, 29)[2] > 150, "right edge of the crop is blue");
    }

    /**
     * A 48x36 image whose red channel is 5 x column and green 7 x row; crop 31 leaves 8.5 and 2.5 pixels
     * to trim: torchvision's CenterCrop takes int(round(8.5)) = 8 and int(round(2.5)) = 2 (Python rounds
     * halves to even), so the crop starts at column 8, row 2.
     */
    @Test
    void centerCropRoundsHalvesAsTorchvisionDoes() throws Exception {
        java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(48, 36, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 36; y++) {
            for (int x = 0; x < 48; x++) {
                image.setRGB(x, y, (5 * x) << 16 | (7 * y) << 8);
            }
        }
        java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(image, "png", png);
        byte[] rgb = new ImageDecoder(36, 31).decode(png.toByteArray());
        assertEquals(31 * 31 * 3, rgb.length);
        assertEquals(5 * 8, rgb[0] & 0xff, "first column of the crop is column 8");
        assertEquals(7 * 2, rgb[1] & 0xff, "first row of the crop is row 2");
    }

    @Test
    void emptyTruncatedAndCorruptFilesAreRejectedWithAReason() throws Exception {
        assertEquals("empty file (0 bytes)", assertThrows(UndecodableImageException.class, () -> decoder.decode(new byte[0])).getMessage());
        byte[] jpeg = resource("red-blue.jpg");
        assertTrue(assertThrows(UndecodableImageException.class, () -> decoder.decode(Arrays.copyOf(jpeg, jpeg.length / 2)))
                .getMessage().contains("truncated JPEG"));
        byte[] png = resource("red-blue.png");
        assertThrows(UndecodableImageException.class, () -> decoder.decode(Arrays.copyOf(png, png.length / 2)));
        byte[] garbage = "this is a text file named .jpg".getBytes();
        assertTrue(assertThrows(UndecodableImageException.class, () -> decoder.decode(garbage)).getMessage().contains("not a decodable"));
    }

    private static int[] pixel(byte[] rgb, int row, int col) {
        int i = (row * 32 + col) * 3;
        return new int[] {rgb[i] & 0xff, rgb[i + 1] & 0xff, rgb[i + 2] & 0xff};
    }

    static byte[] resource(String name) throws Exception {
        try (InputStream in = ImageDecoderTest.class.getResourceAsStream("/images/" + name)) {
            return in.readAllBytes();
        }
    }
}
