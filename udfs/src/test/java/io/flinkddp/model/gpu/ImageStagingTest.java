package io.flinkddp.model.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.bytedeco.javacpp.BytePointer;
import org.junit.jupiter.api.Test;

/** {@link ImageStaging} puts each image's bytes back to back in native memory, in the list's order. */
class ImageStagingTest {

    @Test
    void imagesLieBackToBackInOrder() {
        try (BytePointer to = new BytePointer(20)) {
            to.position(7);
            long written = ImageStaging.copy(List.of(new byte[] {1, 2, 3, 4, 5}, new byte[] {6, 7, 8, 9, 10},
                    new byte[] {11, 12, 13, 14, 15, 99}), 5, to);
            assertEquals(15, written);
            assertEquals(0, to.position(), "the pointer is left at its start for the copy to the GPU");
            byte[] back = new byte[15];
            to.get(back);
            assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, back,
                    "image i at byte 5i, only the first 5 bytes of a longer array");
        }
    }

    @Test
    void refusesWhatDoesNotFit() {
        try (BytePointer to = new BytePointer(9)) {
            assertThrows(IllegalArgumentException.class, () -> ImageStaging.copy(List.of(new byte[5], new byte[5]), 5, to));
            assertThrows(IllegalArgumentException.class, () -> ImageStaging.copy(List.of(new byte[4]), 5, to));
        }
    }
}
