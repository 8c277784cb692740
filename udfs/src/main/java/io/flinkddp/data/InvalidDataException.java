package io.flinkddp.data;

/** The image set cannot be trained on (no images, one class, too few images for the slots); the message says why. */
public class InvalidDataException extends RuntimeException {
    public InvalidDataException(String message) {
        super(message);
    }
}
