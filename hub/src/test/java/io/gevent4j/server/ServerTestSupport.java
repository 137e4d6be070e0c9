package io.gevent4j.server;

import io.gevent4j.Gevent;
import io.gevent4j.Hub;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/** What the StreamServer tests share: an echo handler, loopback addresses, stderr capture. */
final class ServerTestSupport {
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private ServerTestSupport() {
    }

    /** Echoes every byte back until the client closes. */
    static final StreamServer.Handler ECHO = (socket, peer) -> {
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        byte[] buf = new byte[8192];
        for (int n; (n = in.read(buf)) > 0; ) {
            out.write(buf, 0, n);
        }
    };

    /** @return 127.0.0.1 port 0 */
    static InetSocketAddress anyPort() {
        return new InetSocketAddress(LOOPBACK, 0);
    }

    /** Sends {@code message} and reads exactly as many bytes back; returns them as text. */
    static String echoOnce(Socket socket, String message) throws IOException {
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        socket.getOutputStream().write(bytes);
        byte[] back = new byte[bytes.length];
        new DataInputStream(socket.getInputStream()).readFully(back);
        return new String(back, StandardCharsets.UTF_8);
    }

    /** Reads one '\n'-terminated line (without it), or null at end of stream. */
    static String readLine(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        StringBuilder line = new StringBuilder();
        for (int b; (b = in.read()) != -1; ) {
            if (b == '\n') {
                return line.toString();
            }
            line.append((char) b);
        }
        return line.isEmpty() ? null : line.toString();
    }

    /** Writes {@code line} and a '\n'. */
    static void writeLine(Socket socket, String line) throws IOException {
        socket.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Waits cooperatively (other greenlets run) until {@code condition} holds, checking every
     * millisecond, or fails after {@code limit}.
     */
    static void awaitCondition(String what, Duration limit, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not true within " + limit + ": " + what);
            }
            Gevent.sleep(1);
        }
    }

    /** Closes the current thread's hub, if any, so that the next test starts on a fresh one. */
    static void closeHub() throws InterruptedException {
        Hub hub = Hub.currentOrNull();
        if (hub != null) {
            hub.close();
        }
    }

    /** Copies everything printed on System.err (hub reports included) while open; also prints it through. */
    static final class StderrCapture implements AutoCloseable {
        private final PrintStream original = System.err;
        private final ByteArrayOutputStream copy = new ByteArrayOutputStream();

        StderrCapture() {
            OutputStream tee = new OutputStream() {
                @Override
                public void write(int b) {
                    synchronized (copy) {
                        copy.write(b);
                    }
                    original.write(b);
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    synchronized (copy) {
                        copy.write(b, off, len);
                    }
                    original.write(b, off, len);
                }
            };
            System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
        }

        /** @return what was printed so far */
        String text() {
            synchronized (copy) {
                return copy.toString(StandardCharsets.UTF_8);
            }
        }

        /** @return how many times {@code needle} was printed so far */
        int count(String needle) {
            String text = text();
            int n = 0;
            for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length())) {
                n++;
            }
            return n;
        }

        @Override
        public void close() {
            System.err.flush();
            System.setErr(original);
        }
    }
}
