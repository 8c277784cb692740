package io.flinkddp.data;

/** An image file that cannot be decoded; the message is the reason, for the skip log. */
public class UndecodableImageException extends Exception {
    public UndecodableImageException(String reason) {
        super(reason);
    }
}
