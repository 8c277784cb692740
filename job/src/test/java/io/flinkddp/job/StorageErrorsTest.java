package io.flinkddp.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.ConnectException;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

class StorageErrorsTest {

    @Test
    void namesBucketAndEndpointForS3AndNothingForFiles() {
        Configuration conf = new Configuration();
        assertEquals(" (bucket photos at the default AWS S3 endpoint)", StorageErrors.where("s3://photos/dogs", conf));
        conf.setString("s3.endpoint", "http://127.0.0.1:9000");
        assertEquals(" (bucket photos at endpoint http://127.0.0.1:9000)", StorageErrors.where("s3a://photos/dogs", conf));
        assertEquals("", StorageErrors.where("file:///data/dogs", conf));
    }

    @Test
    void explainsTheCommonFailures() {
        assertTrue(StorageErrors.reason(new IOException("getFileStatus: AmazonS3Exception: Forbidden (Service: Amazon S3; Status Code: 403"))
                .startsWith("access denied (HTTP 403)"));
        assertTrue(StorageErrors.reason(new RuntimeException(new IOException("x: NoSuchBucket"))).contains("bucket does not exist"));
        assertTrue(StorageErrors.reason(new IOException("wrapped", new ConnectException("Connection refused"))).startsWith("connection refused"));
        assertEquals("FileNotFoundException: gone", StorageErrors.reason(new RuntimeException(new FileNotFoundException("gone"))));
    }
}
