package io.flinkddp.job;

import io.flinkddp.config.InvalidSettingsException;
import io.flinkddp.data.InvalidDataException;
import java.io.IOException;
import java.net.URI;
import java.util.Locale;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.util.ExceptionUtils;

/**
 * Turns a failed access to {@code --data}, {@code --output} or {@code --class-index} into one line that says what was
 * accessed (for s3://, the bucket and the endpoint), what went wrong and what to check, instead of a
 * Hadoop stack trace.
 */
final class StorageErrors {

    private StorageErrors() {
    }

    /** What {@link #access} runs: a read of storage. */
    interface Read<T> {
        T run() throws IOException;
    }

    /**
     * The result of {@code read}; a storage failure becomes {@link #describe}'s one line, while our own
     * {@link InvalidDataException} and {@link InvalidSettingsException} (which name their culprit) pass as they are.
     */
    static <T> T access(String option, String uri, Configuration conf, Read<T> read) {
        try {
            return read.run();
        } catch (InvalidDataException | InvalidSettingsException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw describe(option, uri, e, conf);
        }
    }

    /**
     * @param option the option whose URI failed, e.g. "--data"
     * @param conf   the Flink configuration the file systems were initialised with (for the endpoint)
     */
    static InvalidDataException describe(String option, String uri, Throwable failure, Configuration conf) {
        return new InvalidDataException("cannot access " + option + " " + uri + where(uri, conf) + ": " + reason(failure));
    }

    static String where(String uri, Configuration conf) {
        URI parsed = URI.create(uri);
        String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.startsWith("s3")) {
            return "";
        }
        String endpoint = conf.getString("s3.endpoint", null);
        return " (bucket " + parsed.getHost() + " at " + (endpoint == null ? "the default AWS S3 endpoint" : "endpoint " + endpoint) + ")";
    }

    static String reason(Throwable failure) {
        String all = ExceptionUtils.stringifyException(failure);
        if (all.contains("Status Code: 403") || all.contains("AccessDenied") || all.contains("SignatureDoesNotMatch")) {
            return "access denied (HTTP 403); check s3.access-key and s3.secret-key in the Flink configuration";
        }
        if (all.contains("NoSuchBucket")) {
            return "the bucket does not exist (NoSuchBucket)";
        }
        if (all.contains("Connection refused")) {
            return "connection refused; is the server up and s3.endpoint right?";
        }
        if (all.contains("UnknownHostException")) {
            return "unknown host; check s3.endpoint";
        }
        if (all.contains("timed out") || all.contains("SocketTimeoutException")) {
            return "the server did not answer in time (s3.connection.timeout)";
        }
        Throwable root = ExceptionUtils.stripException(failure, RuntimeException.class);
        while (root.getCause() != null) {
            root = root.getCause();
        }
        String message = String.valueOf(root.getMessage());
        return root.getClass().getSimpleName() + ": " + (message.length() > 300 ? message.substring(0, 300) + "..." : message);
    }
}
