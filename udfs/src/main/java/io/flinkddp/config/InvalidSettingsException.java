package io.flinkddp.config;

import org.apache.flink.runtime.throwable.ThrowableAnnotation;
import org.apache.flink.runtime.throwable.ThrowableType;

/**
 * A bad option value or a bad option name; the message names the option. Marked non-recoverable:
 * restarting a job does not mend its options.
 */
@ThrowableAnnotation(ThrowableType.NonRecoverableError)
public class InvalidSettingsException extends IllegalArgumentException {
    public InvalidSettingsException(String message) {
        super(message);
    }
}
