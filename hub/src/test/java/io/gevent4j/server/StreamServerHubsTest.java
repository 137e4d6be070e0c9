package io.gevent4j.server;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.ConnectException;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.gevent4j.server.ServerTestSupport.LOOPBACK;
import static io.gevent4j.server.ServerTestSupport.anyPort;
import static io.gevent4j.server.ServerTestSupport.readLine;
import static io.gevent4j.server.ServerTestSupport.writeLine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Servers on several hubs (platform threads) at once, and on a hub whose thread starts after another ended. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StreamServerHubsTest {

    @AfterEach
    void freshHub() throws InterruptedException {
        ServerTestSupport.closeHub();
    }

    /** Answers each line with the name of the hub thread that runs the handler. */
    private static final StreamServer.Handler WHERE = (socket, peer) -> {
        for (String line; readLine(socket) != null; ) {
            writeLine(socket, Hub.current().thread().getName());
        }
    };

    private static String ask(int port) throws Exception {
        try (Socket s = new Socket(LOOPBACK, port)) {
            writeLine(s, "where?");
            return readLine(s);
        }
    }

    /** Runs a hub on a new platform thread: starts a server there and serves until it is stopped. */
    private static Thread serveOnNewHubThread(String name, CompletableFuture<StreamServer> started,
                                              CompletableFuture<Void> ended) {
        return Thread.ofPlatform().name(name).start(() -> {
            try {
                Gevent.run(() -> {
                    StreamServer server = new StreamServer(anyPort(), WHERE);
                    server.start();
                    started.complete(server);
                    server.serveForever();
                    return null;
                });
                ended.complete(null);
            } catch (Throwable e) {
                started.completeExceptionally(e);
                ended.completeExceptionally(e);
            }
        });
    }

    @Test
    void aSecondServerOnAnotherHubThread() throws Exception {
        CompletableFuture<StreamServer> started = new CompletableFuture<>();
        CompletableFuture<Void> ended = new CompletableFuture<>();
        Thread other = serveOnNewHubThread("hub-two", started, ended);
        StreamServer remote = started.get(20, TimeUnit.SECONDS);
        assertEquals(other, remote.hub().thread());

        try (StreamServer local = new StreamServer(anyPort(), WHERE)) {
            local.start();
            String here = Thread.currentThread().getName();
            List<Greenlet<String>> answers = List.of(
                    Gevent.spawn(() -> ask(local.port())),
                    Gevent.spawn(() -> ask(remote.port())),
                    Gevent.spawn(() -> ask(local.port())),
                    Gevent.spawn(() -> ask(remote.port())));
            Gevent.joinAll(answers, Duration.ofSeconds(30), true, answers.size());
            assertEquals(List.of(here, "hub-two", here, "hub-two"),
                    answers.stream().map(Greenlet::value).toList());

            assertThrows(WrongThreadException.class, remote::start,
                    "a server is used from its own hub");
            remote.stop(Duration.ofSeconds(1)); // from this thread: the work is done on hub-two
            ended.get(20, TimeUnit.SECONDS);
            other.join(Duration.ofSeconds(20));
            assertTrue(remote.closed());
            assertEquals(here, Gevent.spawn(() -> ask(local.port())).get(), "the local server still serves");
        }
    }

    @Test
    void serversOnHubThreadsThatFollowOneAnother() throws Exception {
        for (String name : List.of("hub-first", "hub-second", "hub-third")) {
            CompletableFuture<String> answer = new CompletableFuture<>();
            Thread t = Thread.ofPlatform().name(name).start(() -> {
                try {
                    answer.complete(Gevent.run(() -> {
                        try (StreamServer server = new StreamServer(anyPort(), WHERE)) {
                            server.start();
                            Callable<String> ask = () -> ask(server.port());
                            return Gevent.spawn(ask).get();
                        }
                    }));
                } catch (Throwable e) {
                    answer.completeExceptionally(e);
                }
            });
            assertEquals(name, answer.get(20, TimeUnit.SECONDS));
            t.join(Duration.ofSeconds(20));
        }
    }

    @Test
    void closingTheHubReleasesThePort() throws Exception {
        for (boolean served : new boolean[] {false, true}) {
            StreamServer server = new StreamServer(anyPort(), WHERE);
            server.start();
            int port = server.port();
            if (served) {
                assertEquals(Thread.currentThread().getName(), Gevent.spawn(() -> ask(port)).get());
            } else {
                Gevent.sleep(0); // the accept loop runs up to its first accept
            }
            Hub.current().close();
            assertFalse(server.started(), "no longer accepting");
            assertThrows(ConnectException.class, () -> new Socket(LOOPBACK, port).close(), "port released");
            server.stop(Duration.ofSeconds(1));
            assertTrue(server.closed());
        }
    }

    @Test
    void stopAfterTheHubThreadEndedReleasesThePort() throws Exception {
        CompletableFuture<StreamServer> started = new CompletableFuture<>();
        Thread t = Thread.ofPlatform().name("short-lived hub").start(() -> {
            try {
                StreamServer server = new StreamServer(anyPort(), WHERE);
                server.start(); // the accept loop never runs: this thread never blocks in the hub
                started.complete(server);
            } catch (Throwable e) {
                started.completeExceptionally(e);
            }
        });
        StreamServer server = started.get(20, TimeUnit.SECONDS);
        t.join(Duration.ofSeconds(20));
        assertFalse(t.isAlive());
        server.stop(Duration.ofSeconds(1)); // returns at once: nothing can run on that hub any more
        assertTrue(server.closed());
        int port = server.port();
        assertThrows(ConnectException.class, () -> new Socket(LOOPBACK, port).close());
    }
}
