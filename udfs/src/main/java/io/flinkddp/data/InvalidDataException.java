package io.flinkddp.data;

import org.apache.flink.runtime.throwable.ThrowableAnnotation;
import org.apache.flink.runtime.throwable.ThrowableType;

/**
 * The image set cannot be trained on (no images, one class, too few images for the slots); the message
 * says why. Marked non-recoverable, so Flink's restart strategy does not retry a job that failed on it.
 */
@ThrowableAnnotation(ThrowableType.NonRecoverableError)
public class InvalidDataException extends RuntimeException {
    public InvalidDataException(String message) {
        super(message);
    }
}
