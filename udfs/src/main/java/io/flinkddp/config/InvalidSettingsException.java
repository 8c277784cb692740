package io.flinkddp.config;

/** A bad option value or a bad option name; the message names the option. */
public class InvalidSettingsException extends IllegalArgumentException {
    public InvalidSettingsException(String message) {
        super(message);
    }
}
