package io.flinkddp.job.s3;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on loopback in front of the S3 server that fails like a flaky network: it answers every
 * third new connection with an HTTP 503 or resets it (alternately), and resets any connection it
 * forwards once 32 KB of responses have passed, so long-lived keep-alive connections break too.
 */
public final class FlakyProxy implements AutoCloseable {

    private final ServerSocket server;
    private final int targetPort;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger failures = new AtomicInteger();
    private static final long CUT_AFTER_BYTES = 32 * 1024;

    public FlakyProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "flaky-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Connections answered with a 503 or a reset so far. */
    public int failuresInjected() {
        return failures.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                int number = connections.incrementAndGet();
                if (number % 3 == 0) {
                    fail(client, number % 2 == 0);
                } else {
                    forward(client);
                }
            } catch (IOException e) {
                return;
            }
        }
    }

    private void fail(Socket client, boolean reset) throws IOException {
        failures.incrementAndGet();
        if (reset) {
            client.setSoLinger(true, 0);
        } else {
            readRequestHead(client.getInputStream());
            client.getOutputStream().write(("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
        }
        client.close();
    }

    private static void readRequestHead(InputStream in) throws IOException {
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        int b;
        while (matched < 4 && (b = in.read()) >= 0) {
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
    }

    private void forward(Socket client) throws IOException {
        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        pipe(client, upstream, Long.MAX_VALUE);
        pipe(upstream, client, CUT_AFTER_BYTES);
    }

    /** Copies {@code from} to {@code to}; after {@code cutAfter} bytes, resets both connections. */
    private void pipe(Socket from, Socket to, long cutAfter) {
        Thread thread = new Thread(() -> {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                byte[] buffer = new byte[8192];
                long copied = 0;
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, read);
                    copied += read;
                    if (copied >= cutAfter) {
                        failures.incrementAndGet();
                        from.setSoLinger(true, 0);
                        to.setSoLinger(true, 0);
                        break;
                    }
                }
            } catch (IOException ignored) {
                // the other side closed; closing both ends below
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "flaky-proxy-pipe");
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
