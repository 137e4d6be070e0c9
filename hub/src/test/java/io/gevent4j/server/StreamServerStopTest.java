package io.gevent4j.server;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.core.GreenletExit;
import io.gevent4j.event.Event;
import io.gevent4j.pool.Spawner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
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
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StreamServerStopTest {

    @AfterEach
    void freshHub() throws InterruptedException {
        ServerTestSupport.closeHub();
    }

    /** What each handler of the stop tests did: its command, how it ended. */
    private static final class Seen {
        final List<String> finished = new ArrayList<>();
        final List<Throwable> died = new ArrayList<>();
        int running;
    }

    /**
     * Handler: reads one command line. "slow": answers "done" after 50 ms; "stuck-io": waits for a
     * line that never comes; "stuck-hub": sleeps a minute cooperatively.
     */
    private static StreamServer.Handler commands(Seen seen, Event allRunning, int expected) {
        return (socket, peer) -> {
            String command = readLine(socket);
            if (++seen.running == expected) {
                allRunning.set();
            }
            try {
                switch (command) {
                    case "slow" -> {
                        Gevent.sleep(50);
                        writeLine(socket, "done");
                    }
                    case "stuck-io" -> readLine(socket);
                    case "stuck-hub" -> Gevent.sleep(60_000);
                    default -> throw new IllegalArgumentException(command);
                }
                seen.finished.add(command);
            } catch (Throwable t) {
                seen.died.add(t);
                throw t;
            }
        };
    }

    @Test
    void gracefulStopLetsRunningHandlersFinishThenKillsTheRest() throws Exception {
        Seen seen = new Seen();
        Event allRunning = new Event();
        StreamServer server = new StreamServer(anyPort(), commands(seen, allRunning, 3));
        try (StderrCapture err = new StderrCapture()) {
            server.start();
            int port = server.port();
            List<String> answers = new ArrayList<>();
            List<Greenlet<Void>> clients = new ArrayList<>();
            for (String command : List.of("slow", "stuck-io", "stuck-hub")) {
                clients.add(Gevent.spawn(() -> {
                    try (Socket s = new Socket(LOOPBACK, port)) {
                        writeLine(s, command);
                        answers.add(command + " -> " + readLine(s));
                    }
                }));
            }
            assertTrue(allRunning.await(Duration.ofSeconds(20)), "three handlers running");
            assertEquals(3, server.connectionCount());

            long t = System.nanoTime();
            server.stop(Duration.ofSeconds(1));
            long stopMs = (System.nanoTime() - t) / 1_000_000;

            assertTrue(server.closed());
            assertTrue(stopMs >= 990 && stopMs < 20_000, "waited the graceful timeout, then killed: " + stopMs + " ms");
            assertEquals(List.of("slow"), seen.finished, "the slow handler finished within the timeout");
            assertEquals(2, seen.died.size(), "the stuck handlers were killed: " + seen.died);
            assertTrue(seen.died.stream().anyMatch(e -> e instanceof GreenletExit), "cooperative wait got GreenletExit");
            assertTrue(seen.died.stream().anyMatch(e -> e instanceof IOException),
                    "socket wait was interrupted: " + seen.died);
            assertEquals(0, server.connectionCount());

            Gevent.joinAll(clients, Duration.ofSeconds(20), true, clients.size());
            assertTrue(answers.contains("slow -> done"), answers.toString());
            assertTrue(answers.contains("stuck-io -> null"), "killed connection is closed: " + answers);
            assertTrue(answers.contains("stuck-hub -> null"), "killed connection is closed: " + answers);
            assertFalse(err.text().contains(server.toString()), "a kill is not an error to report: " + err.text());

            assertThrows(ConnectException.class, () -> new Socket(LOOPBACK, port).close(),
                    "connections are refused after stop");
        }
    }

    @Test
    void stopWithZeroTimeoutKillsAtOnceAndRefusesNewConnections() throws Exception {
        Seen seen = new Seen();
        Event allRunning = new Event();
        StreamServer server = new StreamServer(anyPort(), commands(seen, allRunning, 1));
        server.start();
        int port = server.port();
        Greenlet<String> client = Gevent.spawn(() -> {
            try (Socket s = new Socket(LOOPBACK, port)) {
                writeLine(s, "stuck-hub");
                return readLine(s);
            }
        });
        allRunning.await();
        server.stop(Duration.ZERO);
        assertNull(client.get());
        assertEquals(1, seen.died.size());
        assertThrows(ConnectException.class, () -> new Socket(LOOPBACK, port).close());
    }

    @Test
    void serveForeverReturnsWhenAHandlerStopsTheServer() throws Exception {
        Event idleConnected = new Event();
        StreamServer[] server = new StreamServer[1];
        server[0] = new StreamServer(anyPort(), (socket, peer) -> {
            String line = readLine(socket);
            if ("shutdown".equals(line)) {
                server[0].stop(Duration.ofMillis(100));
                writeLine(socket, "stopped");
            } else {
                idleConnected.set();
                readLine(socket);
            }
        });
        server[0].start();
        int port = server[0].port();
        Greenlet<String> admin = Gevent.spawn(() -> {
            try (Socket idle = new Socket(LOOPBACK, port); Socket s = new Socket(LOOPBACK, port)) {
                writeLine(idle, "idle");
                idleConnected.await();
                writeLine(s, "shutdown");
                String answer = readLine(s);
                assertNull(readLine(idle), "the other connection was killed");
                return answer;
            }
        });
        server[0].serveForever();
        assertTrue(server[0].closed());
        assertEquals("stopped", admin.get(), "the stopping handler itself was neither waited for nor killed");
    }

    @Test
    void stopFromAnotherThreadEndsServeForever() throws Exception {
        StreamServer server = new StreamServer(anyPort(), ECHO);
        server.start();
        CompletableFuture<Void> echoed = new CompletableFuture<>();
        Gevent.spawn(() -> {
            try (Socket s = new Socket(LOOPBACK, server.port())) {
                assertEquals("hi", echoOnce(s, "hi"));
            }
            echoed.complete(null);
        });
        CompletableFuture<Void> stopped = new CompletableFuture<>();
        Thread stopper = Thread.ofPlatform().name("stopper").start(() -> {
            try {
                echoed.get(20, TimeUnit.SECONDS);
                server.stop(Duration.ofSeconds(1));
                stopped.complete(null);
            } catch (Throwable e) {
                stopped.completeExceptionally(e);
            }
        });
        server.serveForever();
        stopper.join(Duration.ofSeconds(20));
        stopped.get(1, TimeUnit.SECONDS);
        assertTrue(server.closed());
    }

    @Test
    void killingServeForeverStopsTheServer() throws Exception {
        StreamServer server = new StreamServer(anyPort(), ECHO).stopTimeout(Duration.ZERO);
        Greenlet<Void> serving = Gevent.spawn(server::serveForever);
        ServerTestSupport.awaitCondition("server started", Duration.ofSeconds(20), server::started);
        serving.kill();
        assertTrue(serving.killed());
        assertTrue(server.closed());
        int port = server.port();
        assertThrows(ConnectException.class, () -> new Socket(LOOPBACK, port).close());
    }

    /** A spawner running at most one handler at a time: the accept loop waits in spawn() for room. */
    private static final class OneAtATime implements Spawner {
        private Greenlet<?> running;
        private final Event waiting = new Event();

        @Override
        public <T> Greenlet<T> spawn(Callable<T> task) throws InterruptedException {
            if (running != null && !running.dead()) {
                waiting.set();
                running.join();
            }
            Greenlet<T> g = Spawner.DEFAULT.spawn(task);
            running = g;
            return g;
        }
    }

    @Test
    void stopKillsAnAcceptLoopWaitingForRoomAndClosesTheWaitingConnection() throws Exception {
        OneAtATime spawner = new OneAtATime();
        StreamServer server = new StreamServer(anyPort(), ECHO).spawner(spawner);
        server.start();
        int port = server.port();
        try (Socket first = new Socket(LOOPBACK, port); Socket second = new Socket(LOOPBACK, port)) {
            Greenlet<String> firstEcho = Gevent.spawn(() -> echoOnce(first, "first"));
            assertEquals("first", firstEcho.get());
            assertTrue(spawner.waiting.await(Duration.ofSeconds(20)), "the accept loop waits for room");
            assertEquals(2, server.connectionCount(), "the second connection is accepted, its handler not spawned");
            server.stop(Duration.ZERO);
            assertEquals(0, server.connectionCount());
            Greenlet<Integer> firstRead = Gevent.spawn(() -> first.getInputStream().read());
            Greenlet<Integer> secondRead = Gevent.spawn(() -> second.getInputStream().read());
            assertEquals(-1, firstRead.get(), "the running handler was killed and its socket closed");
            assertEquals(-1, secondRead.get(), "the connection waiting for room was closed");
        }
    }

    @Test
    void closeWithTryWithResourcesStops() throws Exception {
        int port;
        try (StreamServer server = new StreamServer(anyPort(), ECHO)) {
            server.start();
            port = server.port();
            Greenlet<String> g = Gevent.spawn(() -> {
                try (Socket s = new Socket(LOOPBACK, port)) {
                    return echoOnce(s, "abc");
                }
            });
            assertEquals("abc", g.get());
        }
        Throwable refused = assertThrows(IOException.class, () -> new Socket(LOOPBACK, port).close());
        assertInstanceOf(ConnectException.class, refused);
    }
}
