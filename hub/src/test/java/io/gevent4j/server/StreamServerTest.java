package io.gevent4j.server;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.event.Event;
import io.gevent4j.pool.Spawner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import static io.gevent4j.server.ServerTestSupport.ECHO;
import static io.gevent4j.server.ServerTestSupport.LOOPBACK;
import static io.gevent4j.server.ServerTestSupport.StderrCapture;
import static io.gevent4j.server.ServerTestSupport.anyPort;
import static io.gevent4j.server.ServerTestSupport.echoOnce;
import static io.gevent4j.server.ServerTestSupport.readLine;
import static io.gevent4j.server.ServerTestSupport.writeLine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StreamServerTest {

    @AfterEach
    void freshHub() throws InterruptedException {
        ServerTestSupport.closeHub();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void thousandConcurrentClientsEchoOnOneHub() throws Exception {
        int n = 1000;
        try (StreamServer server = new StreamServer(anyPort(), ECHO).backlog(1024)) {
            server.start();
            Event allConnected = new Event();
            int[] connected = {0};
            int[] openWhenAllConnected = {-1};
            List<Greenlet<Void>> clients = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int id = i;
                clients.add(Gevent.spawn(() -> {
                    try (Socket s = new Socket(LOOPBACK, server.port())) {
                        assertEquals("hello " + id, echoOnce(s, "hello " + id));
                        if (++connected[0] == n) {
                            openWhenAllConnected[0] = server.connectionCount();
                            allConnected.set();
                        }
                        allConnected.await();
                        String second = "second " + id + " " + "x".repeat(id);
                        assertEquals(second, echoOnce(s, second));
                    }
                }));
            }
            Gevent.joinAll(clients, Duration.ofSeconds(50), true, n);
            assertTrue(clients.stream().allMatch(Greenlet::successful), "every client finished");
            assertEquals(n, openWhenAllConnected[0], "all connections were open at once");
            ServerTestSupport.awaitCondition("handlers see EOF and end", Duration.ofSeconds(20),
                    () -> server.connectionCount() == 0);
        }
    }

    @Test
    void portZeroGivesTheRealPort() throws Exception {
        StreamServer server = new StreamServer(anyPort(), ECHO);
        assertEquals(0, server.port());
        server.start();
        try {
            assertTrue(server.port() > 0, "bound port " + server.port());
            assertEquals(server.port(), server.address().getPort());
            assertEquals(LOOPBACK, server.address().getAddress());
            String got = Gevent.run(() -> {
                try (Socket s = new Socket(LOOPBACK, server.port())) {
                    return echoOnce(s, "ping");
                }
            });
            assertEquals("ping", got);
        } finally {
            server.close();
        }
    }

    @Test
    void lifeCycleStates() throws Exception {
        StreamServer server = new StreamServer(anyPort(), ECHO);
        assertFalse(server.started());
        assertFalse(server.closed());
        server.start();
        assertTrue(server.started());
        assertFalse(server.closed());
        server.start(); // no-op while started
        IllegalStateException late = assertThrows(IllegalStateException.class, () -> server.backlog(10));
        assertTrue(late.getMessage().contains("before start()"), late.getMessage());
        server.stop(Duration.ZERO);
        assertFalse(server.started());
        assertTrue(server.closed());
        server.stop(Duration.ZERO); // idempotent
        IllegalStateException again = assertThrows(IllegalStateException.class, server::start);
        assertTrue(again.getMessage().contains("create a new StreamServer"), again.getMessage());

        StreamServer never = new StreamServer(anyPort(), ECHO);
        never.close();
        assertTrue(never.closed());
        assertThrows(IllegalStateException.class, never::start);
    }

    @Test
    void bindConflictNamesTheAddress() throws Exception {
        try (StreamServer first = new StreamServer(anyPort(), ECHO)) {
            first.start();
            StreamServer second = new StreamServer(new InetSocketAddress(LOOPBACK, first.port()), ECHO);
            BindException e = assertThrows(BindException.class, second::start);
            assertTrue(e.getMessage().contains(String.valueOf(first.port())), e.getMessage());
            assertFalse(second.started());
        }
    }

    @Test
    void handlerExceptionClosesOnlyItsConnectionAndIsReportedWithThePeer() throws Exception {
        StreamServer.Handler handler = (socket, peer) -> {
            for (String line; (line = readLine(socket)) != null; ) {
                if (line.equals("boom")) {
                    throw new IllegalStateException("handler exploded on purpose");
                }
                writeLine(socket, "echo " + line);
            }
        };
        try (StderrCapture err = new StderrCapture();
             StreamServer server = new StreamServer(anyPort(), handler)) {
            server.start();
            Gevent.run(() -> {
                try (Socket good = new Socket(LOOPBACK, server.port());
                     Socket bad = new Socket(LOOPBACK, server.port())) {
                    writeLine(good, "one");
                    assertEquals("echo one", readLine(good));
                    writeLine(bad, "boom");
                    assertNull(readLine(bad), "the failing connection is closed");
                    String report = err.text();
                    assertTrue(report.contains("handler exploded on purpose"), report);
                    assertTrue(report.contains(":" + bad.getLocalPort()), "the report names the peer: " + report);
                    writeLine(good, "two");
                    assertEquals("echo two", readLine(good));
                    try (Socket later = new Socket(LOOPBACK, server.port())) {
                        writeLine(later, "three");
                        assertEquals("echo three", readLine(later));
                    }
                }
                return null;
            });
            assertTrue(server.started(), "the server keeps serving");
            assertEquals(1, err.count("failed with java.lang.IllegalStateException: handler exploded on purpose"), "reported once");
        }
    }

    @Test
    void socketIsClosedWhenTheHandlerReturns() throws Exception {
        try (StreamServer server = new StreamServer(anyPort(), (socket, peer) -> writeLine(socket, "bye"))) {
            server.start();
            Gevent.run(() -> {
                try (Socket s = new Socket(LOOPBACK, server.port())) {
                    assertEquals("bye", readLine(s));
                    assertEquals(-1, s.getInputStream().read());
                }
                return null;
            });
            ServerTestSupport.awaitCondition("connection forgotten", Duration.ofSeconds(10),
                    () -> server.connectionCount() == 0);
        }
    }

    @Test
    void readTimeoutClosesAnIdleConnectionQuietly() throws Exception {
        try (StderrCapture err = new StderrCapture();
             StreamServer server = new StreamServer(anyPort(), ECHO).readTimeout(Duration.ofMillis(100))) {
            server.start();
            Gevent.run(() -> {
                try (Socket idle = new Socket(LOOPBACK, server.port())) {
                    long t = System.nanoTime();
                    assertEquals(-1, idle.getInputStream().read(), "the server closed the idle connection");
                    assertTrue(System.nanoTime() - t >= Duration.ofMillis(90).toNanos());
                }
                return null;
            });
            assertFalse(err.text().contains("SocketTimeoutException"), err.text());
        }
    }

    @Test
    void theGivenSpawnerSpawnsTheHandlers() throws Exception {
        int[] spawned = {0};
        Spawner counting = new Spawner() {
            @Override
            public <T> Greenlet<T> spawn(Callable<T> task) throws InterruptedException {
                spawned[0]++;
                return Spawner.DEFAULT.spawn(task);
            }
        };
        try (StreamServer server = new StreamServer(anyPort(), ECHO).spawner(counting)) {
            server.start();
            Gevent.run(() -> {
                for (int i = 0; i < 3; i++) {
                    try (Socket s = new Socket(LOOPBACK, server.port())) {
                        assertEquals("x" + i, echoOnce(s, "x" + i));
                    }
                }
                return null;
            });
        }
        assertEquals(3, spawned[0]);
    }

    /** A listening socket whose first accepts fail as they do when the process is out of file descriptors. */
    static final class FlakyServerSocket extends ServerSocket {
        private int failuresLeft;

        FlakyServerSocket(int failures) throws IOException {
            this.failuresLeft = failures;
        }

        @Override
        public Socket accept() throws IOException {
            if (failuresLeft > 0) {
                failuresLeft--;
                throw new IOException("Too many open files");
            }
            return super.accept();
        }
    }

    @Test
    void acceptErrorsBackOffAndAreReportedOncePerEpisode() throws Exception {
        try (StderrCapture err = new StderrCapture();
             StreamServer server = new StreamServer(anyPort(), ECHO).listenerFactory(() -> new FlakyServerSocket(4))) {
            long t = System.nanoTime();
            server.start();
            Gevent.run(() -> {
                try (Socket s = new Socket(LOOPBACK, server.port())) {
                    assertEquals("still here", echoOnce(s, "still here"));
                }
                return null;
            });
            long elapsedMs = (System.nanoTime() - t) / 1_000_000;
            assertTrue(elapsedMs >= 10 + 20 + 40 + 80, "backed off 10, 20, 40, 80 ms; took " + elapsedMs + " ms");
            assertEquals(1, err.count("failed with java.io.IOException: accept failed (Too many open files)"), err.text());
            assertTrue(err.text().contains("Too many open files"), err.text());
            assertTrue(server.started());
        }
    }
}
