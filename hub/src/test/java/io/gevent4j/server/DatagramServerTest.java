package io.gevent4j.server;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import io.gevent4j.HubGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.BitSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static io.gevent4j.server.ServerTestSupport.LOOPBACK;
import static io.gevent4j.server.ServerTestSupport.anyPort;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DatagramServerTest {
    private static final DatagramServer.Handler ECHO = (data, peer, server) -> server.sendto(data, peer);

    /**
     * Sends {@code n} numbered datagrams from a plain platform thread, at most {@code window} unanswered
     * at a time (UDP may drop under a burst: unanswered ones are sent again after a quiet second), and
     * returns how many distinct correct echoes came back.
     */
    private static CompletableFuture<Integer> echoClient(int port, int n, int window) {
        CompletableFuture<Integer> result = new CompletableFuture<>();
        Thread.ofPlatform().name("udp-client").start(() -> {
            try (DatagramSocket client = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
                client.setSoTimeout(1000);
                InetSocketAddress server = new InetSocketAddress(LOOPBACK, port);
                BitSet answered = new BitSet(n);
                int next = 0;
                int got = 0;
                byte[] buf = new byte[64];
                DatagramPacket in = new DatagramPacket(buf, buf.length);
                while (got < n) {
                    while (next < n && next - got < window) {
                        send(client, server, next++);
                    }
                    try {
                        in.setLength(buf.length);
                        client.receive(in);
                    } catch (SocketTimeoutException quiet) {
                        for (int i = answered.nextClearBit(0); i < next; i = answered.nextClearBit(i + 1)) {
                            send(client, server, i); // lost on the way there or back
                        }
                        continue;
                    }
                    String text = new String(buf, 0, in.getLength(), StandardCharsets.US_ASCII);
                    int i = Integer.parseInt(text.substring("datagram-".length()));
                    if (!answered.get(i)) {
                        answered.set(i);
                        got++;
                    }
                }
                result.complete(answered.cardinality());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    private static void send(DatagramSocket client, InetSocketAddress server, int i) throws java.io.IOException {
        byte[] payload = ("datagram-" + i).getBytes(StandardCharsets.US_ASCII);
        client.send(new DatagramPacket(payload, payload.length, server));
    }

    /** Waits for a future completed by another thread, with the hub of this thread running meanwhile. */
    private static <T> T await(CompletableFuture<T> future) throws Exception {
        return Gevent.spawn(() -> future.get(100, TimeUnit.SECONDS)).get();
    }

    @Test
    void echoesTenThousandDatagrams() throws Exception {
        Set<String> handlerGreenlets = ConcurrentHashMap.newKeySet();
        try (DatagramServer server = new DatagramServer(anyPort(), (data, peer, srv) -> {
            handlerGreenlets.add(Greenlet.current().name());
            srv.sendto(data, peer);
        }).receiveBufferSize(1 << 20)) {
            server.start();
            assertTrue(server.started());
            assertEquals(10_000, await(echoClient(server.port(), 10_000, 200)));
            assertFalse(handlerGreenlets.isEmpty(), "handlers ran as greenlets");
        }
    }

    @Test
    void echoesOnEveryHubOfAGroup() throws Exception {
        Set<Hub> hubs = ConcurrentHashMap.newKeySet();
        try (HubGroup group = HubGroup.of(2);
             DatagramServer server = new DatagramServer(anyPort(), (data, peer, srv) -> {
                 hubs.add(Hub.current());
                 srv.sendto(data, peer);
             }).hubGroup(group)) {
            server.start();
            assertEquals(2_000, await(echoClient(server.port(), 2_000, 100)));
            assertEquals(Set.copyOf(group.hubs()), hubs, "every hub of the group handled datagrams");
            server.stop(Duration.ofSeconds(1));
        }
    }

    @Test
    void aFailingHandlerIsReportedAndTheServerKeepsServing() throws Exception {
        try (DatagramServer server = new DatagramServer(anyPort(), (data, peer, srv) -> {
            if (new String(data, StandardCharsets.US_ASCII).equals("datagram-0")) {
                throw new IllegalStateException("handler exploded on purpose");
            }
            srv.sendto(data, peer);
        })) {
            server.start();
            // datagram-0 is never answered: the client sends it again each quiet second; so ask for the others only
            CompletableFuture<Integer> others = new CompletableFuture<>();
            Thread.ofPlatform().start(() -> {
                try (DatagramSocket client = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
                    client.setSoTimeout(20_000);
                    InetSocketAddress to = new InetSocketAddress(LOOPBACK, server.port());
                    send(client, to, 0);
                    send(client, to, 1);
                    byte[] buf = new byte[64];
                    DatagramPacket in = new DatagramPacket(buf, buf.length);
                    client.receive(in);
                    others.complete(Integer.parseInt(new String(buf, 0, in.getLength(), StandardCharsets.US_ASCII)
                            .substring("datagram-".length())));
                } catch (Throwable e) {
                    others.completeExceptionally(e);
                }
            });
            assertEquals(1, await(others));
            assertTrue(server.started(), "still serving after the handler's exception");
        }
    }

    @Test
    void lifeCycleMatchesStreamServers() throws Exception {
        DatagramServer server = new DatagramServer(anyPort(), ECHO);
        assertFalse(server.started());
        assertFalse(server.closed());
        server.start();
        int port = server.port();
        assertTrue(port > 0);
        assertTrue(ListeningServers.snapshot().contains(server));
        IllegalStateException late = assertThrows(IllegalStateException.class, () -> server.receiveBufferSize(1));
        assertTrue(late.getMessage().contains("before start()"), late.getMessage());
        DatagramServer second = new DatagramServer(new InetSocketAddress(LOOPBACK, port), ECHO);
        BindException taken = assertThrows(BindException.class, second::start);
        assertTrue(taken.getMessage().contains(String.valueOf(port)), taken.getMessage());
        server.stop(Duration.ZERO);
        assertFalse(server.started());
        assertTrue(server.closed());
        assertFalse(ListeningServers.snapshot().contains(server));
        IllegalStateException again = assertThrows(IllegalStateException.class, server::start);
        assertTrue(again.getMessage().contains("create a new DatagramServer"), again.getMessage());
        // the port is free again
        try (DatagramServer reuse = new DatagramServer(new InetSocketAddress(LOOPBACK, port), ECHO)) {
            reuse.start();
        }
    }

    @Test
    void stopWaitsForRunningHandlersThenKillsTheRest() throws Exception {
        CompletableFuture<Void> slowStarted = new CompletableFuture<>();
        try (DatagramServer server = new DatagramServer(anyPort(), (data, peer, srv) -> {
            slowStarted.complete(null);
            Gevent.sleep(Duration.ofMinutes(5)); // killed by the stop
        })) {
            server.start();
            try (DatagramSocket client = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
                byte[] one = {1};
                client.send(new DatagramPacket(one, 1, new InetSocketAddress(LOOPBACK, server.port())));
                await(slowStarted);
                assertEquals(1, server.handlerCount());
                server.stop(Duration.ofMillis(50));
                assertTrue(server.closed());
                assertEquals(0, server.handlerCount(), "the stuck handler was killed and forgotten");
            }
        }
    }
}
