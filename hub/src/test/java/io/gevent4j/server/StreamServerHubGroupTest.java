package io.gevent4j.server;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import io.gevent4j.HubGroup;
import io.gevent4j.event.Event;
import io.gevent4j.pool.Pool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.gevent4j.server.ServerTestSupport.LOOPBACK;
import static io.gevent4j.server.ServerTestSupport.StderrCapture;
import static io.gevent4j.server.ServerTestSupport.anyPort;
import static io.gevent4j.server.ServerTestSupport.awaitCondition;
import static io.gevent4j.server.ServerTestSupport.readLine;
import static io.gevent4j.server.ServerTestSupport.writeLine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** StreamServer in hub-group mode: accept on one hub, serve each connection on the next hub of a HubGroup. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StreamServerHubGroupTest {

    @AfterEach
    void freshHub() throws InterruptedException {
        ServerTestSupport.closeHub();
    }

    /** Answers each line with "THREAD LINE"; "stop" stops the server from the handler, then answers. */
    private static StreamServer.Handler where(StreamServer[] self) {
        return (socket, peer) -> {
            for (String line; (line = readLine(socket)) != null; ) {
                if (line.equals("stop")) {
                    self[0].stop(Duration.ofSeconds(10));
                }
                writeLine(socket, Hub.current().thread().getName() + " " + line);
            }
        };
    }

    private static Set<String> threadNames(HubGroup group) {
        Set<String> names = new HashSet<>();
        for (Hub h : group.hubs()) {
            names.add(h.thread().getName());
        }
        return names;
    }

    /** The number of live greenlets of {@code hub}, asked on its own thread. */
    private static int liveOn(Hub hub) throws Exception {
        CompletableFuture<Integer> n = new CompletableFuture<>();
        hub.callSoonThreadsafe(() -> n.complete(hub.liveGreenletCount()));
        return n.get(10, TimeUnit.SECONDS);
    }

    @Test
    void concurrentClientsAreServedOnEveryHubOfTheGroup() throws Exception {
        int n = 40;
        try (HubGroup group = HubGroup.of(2)) {
            StreamServer[] self = new StreamServer[1];
            try (StreamServer server = new StreamServer(anyPort(), where(self)).hubGroup(group).backlog(128)) {
                self[0] = server;
                server.start();
                Event allConnected = new Event();
                int[] connected = {0};
                int[] openWhenAllConnected = {-1};
                Set<String> servedOn = new HashSet<>();
                List<Greenlet<Void>> clients = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    int id = i;
                    clients.add(Gevent.spawn(() -> {
                        try (Socket s = new Socket(LOOPBACK, server.port())) {
                            writeLine(s, "first " + id);
                            String first = readLine(s);
                            assertTrue(first.endsWith(" first " + id), first);
                            String thread = first.substring(0, first.indexOf(' '));
                            servedOn.add(thread);
                            if (++connected[0] == n) {
                                openWhenAllConnected[0] = server.connectionCount();
                                allConnected.set();
                            }
                            allConnected.await();
                            writeLine(s, "second " + id);
                            assertEquals(thread + " second " + id, readLine(s), "the same hub serves the whole connection");
                        }
                    }));
                }
                Gevent.joinAll(clients, Duration.ofSeconds(50), true, n);
                assertTrue(clients.stream().allMatch(Greenlet::successful));
                assertEquals(n, openWhenAllConnected[0], "all connections were open at once");
                assertEquals(threadNames(group), servedOn, "connections were handled on both hub threads");
                assertFalse(servedOn.contains(Thread.currentThread().getName()), "not on the accepting hub");
                awaitCondition("handlers see EOF and end", Duration.ofSeconds(20), () -> server.connectionCount() == 0);
            }
            for (Hub h : group.hubs()) {
                assertEquals(0, liveOn(h), "no handler left on " + h);
            }
        }
    }

    @Test
    void stopUnderLoadKillsTheHandlersOnEveryHub() throws Exception {
        int n = 30;
        try (HubGroup group = HubGroup.of(2)) {
            StreamServer server = new StreamServer(anyPort(), ServerTestSupport.ECHO).hubGroup(group);
            server.start();
            Event allBusy = new Event();
            int[] busy = {0};
            List<Greenlet<Integer>> clients = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                clients.add(Gevent.spawn(() -> {
                    int roundTrips = 0;
                    try (Socket s = new Socket(LOOPBACK, server.port())) {
                        while (true) {
                            String back;
                            try {
                                back = ServerTestSupport.echoOnce(s, "ping " + roundTrips);
                            } catch (IOException closedByStop) {
                                return roundTrips;
                            }
                            assertEquals("ping " + roundTrips, back);
                            if (++roundTrips == 1 && ++busy[0] == n) {
                                allBusy.set();
                            }
                        }
                    }
                }));
            }
            allBusy.await();
            assertEquals(n, server.connectionCount());
            server.stop(Duration.ZERO); // kill the handlers at once, while every client keeps echoing
            assertTrue(server.closed());
            // stop() waits 1 s for the killed handlers; on a loaded machine their last word may come later
            awaitCondition("every handler on the group's hubs ended", Duration.ofSeconds(20),
                    () -> server.connectionCount() == 0);
            Gevent.joinAll(clients, Duration.ofSeconds(30), true, n);
            for (Greenlet<Integer> c : clients) {
                assertTrue(c.get() >= 1, "each client echoed before the stop and then saw its connection end");
            }
            assertThrows(ConnectException.class, () -> new Socket(LOOPBACK, server.port()).close());
            for (Hub h : group.hubs()) {
                assertEquals(0, liveOn(h), "no handler left on " + h);
            }
        }
    }

    @Test
    void aHandlerOnAnotherHubMayStopTheServerAndIsNotKilled() throws Exception {
        try (HubGroup group = HubGroup.of(2)) {
            StreamServer[] self = new StreamServer[1];
            StreamServer server = new StreamServer(anyPort(), where(self)).hubGroup(group);
            self[0] = server;
            server.start();
            Greenlet<String> client = Gevent.spawn(() -> {
                try (Socket s = new Socket(LOOPBACK, server.port())) {
                    writeLine(s, "stop");
                    return readLine(s);
                }
            });
            String answer = client.get();
            assertTrue(answer.endsWith(" stop"), "the stopping handler finished its answer: " + answer);
            assertTrue(threadNames(group).contains(answer.substring(0, answer.indexOf(' '))));
            assertTrue(server.closed());
            awaitCondition("the stopping handler ends", Duration.ofSeconds(20), () -> server.connectionCount() == 0);
        }
    }

    @Test
    void aClosedGroupTakesNoConnectionAndLeaksNoSocket() throws Exception {
        HubGroup group = HubGroup.of(2);
        StreamServer server = new StreamServer(anyPort(), ServerTestSupport.ECHO).hubGroup(group);
        server.start();
        // a connection served before the group closes, then killed with its hub
        Event served = new Event();
        Greenlet<Integer> before = Gevent.spawn(() -> {
            try (Socket s = new Socket(LOOPBACK, server.port())) {
                assertEquals("hello", ServerTestSupport.echoOnce(s, "hello"));
                served.set();
                return s.getInputStream().read(); // the group's close ends the handler and closes the socket
            }
        });
        served.await();
        try (StderrCapture err = new StderrCapture()) {
            group.close();
            assertEquals(-1, before.get(), "a connection open when the group closed was closed");
            awaitCondition("its connection is forgotten", Duration.ofSeconds(20), () -> server.connectionCount() == 0);
            // a connection accepted after the close cannot be handed over: it is closed, and the server stops
            Greenlet<Integer> after = Gevent.spawn(() -> {
                try (Socket s = new Socket(LOOPBACK, server.port())) {
                    s.getOutputStream().write('x');
                    return s.getInputStream().read();
                } catch (IOException reset) {
                    return -1;
                }
            });
            assertEquals(-1, after.get(), "the connection was closed, not left hanging");
            awaitCondition("the server stops", Duration.ofSeconds(20), server::closed);
            assertEquals(0, server.connectionCount());
            assertEquals(1, err.count("over failed with java.lang.IllegalStateException: the hub group"),
                    "reported once:\n" + err.text());
        }
    }

    @Test
    void aPoolCannotBeCombinedWithAHubGroup() throws Exception {
        try (HubGroup group = HubGroup.of(1)) {
            StreamServer a = new StreamServer(anyPort(), ServerTestSupport.ECHO).spawner(new Pool(4));
            assertThrows(IllegalStateException.class, () -> a.hubGroup(group));
            StreamServer b = new StreamServer(anyPort(), ServerTestSupport.ECHO).hubGroup(group);
            assertThrows(IllegalStateException.class, () -> b.spawner(new Pool(4)));
            a.close();
            b.close();
        }
    }
}
