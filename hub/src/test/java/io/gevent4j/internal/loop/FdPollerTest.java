package io.gevent4j.internal.loop;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The hub's own epoll, driven directly with non-blocking channels (the agent routes the JDK's socket
 * waits to it; that path is tested in the patch-agent module).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FdPollerTest {

    static int fdOf(SocketChannel channel) throws Exception {
        Method getFDVal = Class.forName("sun.nio.ch.SelChImpl").getMethod("getFDVal");
        getFDVal.setAccessible(true);
        return (int) getFDVal.invoke(channel);
    }

    /** Reads exactly n bytes, waiting for readiness in the hub's poller. */
    static String readFully(SocketChannel ch, int n) throws Exception {
        ByteBuffer buf = ByteBuffer.allocate(n);
        int fd = fdOf(ch);
        while (buf.hasRemaining()) {
            int r = ch.read(buf);
            if (r < 0) {
                throw new IOException("closed after " + buf.position() + " bytes");
            }
            if (r == 0) {
                Loop.current().poller().awaitReady(fd, IoEvent.READ, 0, ch::isOpen);
            }
        }
        return new String(buf.array(), StandardCharsets.UTF_8);
    }

    @Test
    void greenletsWaitForReadinessInTheHubsEpoll() throws Exception {
        assertTrue(FdPoller.available(), "surefire opens java.base/sun.nio.ch");
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            int clients = 50;
            List<SocketChannel> accepted = new ArrayList<>();
            List<Greenlet<String>> readers = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                SocketChannel c = SocketChannel.open(server.getLocalAddress());
                SocketChannel s = server.accept();
                s.configureBlocking(false);
                accepted.add(s);
                int index = i;
                readers.add(Gevent.spawn(() -> readFully(s, 5) + index));
                c.write(ByteBuffer.wrap("hello".getBytes(StandardCharsets.UTF_8)));
                c.close();
            }
            int[] ticks = new int[1];
            Greenlet<Void> ticker = Gevent.spawn(() -> {
                for (int i = 0; i < 5; i++) {
                    ticks[0]++;
                    Gevent.sleep(1);
                }
            });
            Gevent.joinAll(readers, null, true, readers.size());
            ticker.join();
            for (int i = 0; i < clients; i++) {
                assertEquals("hello" + i, readers.get(i).value());
            }
            assertEquals(5, ticks[0]);
            assertEquals(0, Loop.current().poller().waiting());
            for (SocketChannel s : accepted) {
                s.close();
            }
        }
    }

    @Test
    void aWriteFromAnotherThreadWakesTheHubBlockedInEpoll() throws Exception {
        try (LoopbackPair pair = LoopbackPair.open()) {
            SocketChannel client = pair.client();
            SocketChannel s = pair.accepted();
            Greenlet<String> reader = Gevent.spawn(() -> readFully(s, 3));
            Gevent.sleep(0); // the reader registers and parks; the hub has nothing else to do
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    client.write(ByteBuffer.wrap("abc".getBytes(StandardCharsets.UTF_8)));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertTrue(reader.join(java.time.Duration.ofSeconds(20)));
            assertEquals("abc", reader.get());
            writer.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void timeoutAndStopPollEndTheWait() throws Exception {
        try (LoopbackPair pair = LoopbackPair.open()) {
            SocketChannel client = pair.client();
            SocketChannel s = pair.accepted();
            int fd = fdOf(s);
            long t = System.nanoTime();
            Greenlet<Void> timed = Gevent.spawn(() -> Loop.current().poller().awaitReady(fd, IoEvent.READ, 50_000_000L, s::isOpen));
            timed.join();
            assertTrue(timed.successful());
            assertTrue(System.nanoTime() - t >= 40_000_000L, "returned before its 50 ms timeout");

            Greenlet<Void> stopped = Gevent.spawn(() -> Loop.current().poller().awaitReady(fd, IoEvent.READ, 0, s::isOpen));
            Gevent.sleep(0);
            assertFalse(stopped.dead());
            io.gevent4j.spi.AgentSupport.wakeFdWaiters(fd, 0);
            stopped.join();
            assertTrue(stopped.successful());
        }
    }

    @Test
    void killRaisesIntoAGreenletWaitingInTheFdPoller() throws Exception {
        try (LoopbackPair pair = LoopbackPair.open()) {
            SocketChannel client = pair.client();
            SocketChannel s = pair.accepted();
            Greenlet<String> reader = Gevent.spawn(() -> readFully(s, 3));
            Gevent.sleep(0);
            reader.kill();
            assertTrue(reader.killed());
            assertTrue(s.isOpen(), "a kill must not close the socket, unlike an interrupt");
            assertEquals(0, Loop.current().poller().waiting());
        }
    }

    /** Registrations in the hub's epoll as the kernel lists them (its eventfd included). */
    static long registrations(FdPoller poller) throws IOException {
        return java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/fdinfo/" + poller.epollFd()))
                .stream().filter(l -> l.startsWith("tfd:")).count();
    }

    @Test
    void aWaitThatEndsWithoutItsEventWithdrawsItsRegistration() throws Exception {
        try (LoopbackPair pair = LoopbackPair.open()) {
            SocketChannel client = pair.client();
            SocketChannel s = pair.accepted();
            int fd = fdOf(s);
            FdPoller poller = Loop.current().poller();
            long before = registrations(poller);
            long[] during = new long[1];
            Greenlet<Void> timed = Gevent.spawn(() -> poller.awaitReady(fd, IoEvent.READ, 100_000_000L, s::isOpen));
            Greenlet<Void> observer = Gevent.spawn(() -> {
                during[0] = registrations(poller);
            });
            Gevent.joinAll(List.of(timed, observer), null, true, 2);
            assertEquals(before + 1, during[0], "the waiting fd is registered");
            assertEquals(before, registrations(poller), "the timed-out wait left its fd registered in epoll");
            assertTrue(poller.waitCount() > 0);
        }
    }

    @Test
    void aReaderAndAWriterOnOneFdAreBothWokenWhenTheirEventsComeApart() throws Exception {
        try (LoopbackPair pair = LoopbackPair.open()) {
            SocketChannel client = pair.client();
            SocketChannel s = pair.accepted();
            Greenlet<String> reader = Gevent.spawn(() -> readFully(s, 2));
            // registered after the reader: the one-shot registration now covers both events, and the
            // write event fires at once (the socket has room), which disarms the read side too
            Greenlet<Void> writer = Gevent.spawn(() -> Loop.current().poller().awaitReady(fdOf(s), IoEvent.WRITE, 0, s::isOpen));
            writer.join();
            assertTrue(writer.successful());
            assertFalse(reader.dead());
            client.write(ByteBuffer.wrap("ok".getBytes(StandardCharsets.UTF_8)));
            assertTrue(reader.join(java.time.Duration.ofSeconds(20)), "the reader was never woken after the writer's event");
            assertEquals("ok", reader.get());
        }
    }

    /** Reads exactly n bytes, waiting in the hub's poller with the kept (edge-triggered) registration. */
    static String readFullyKept(SocketChannel ch, int n) throws Exception {
        ByteBuffer buf = ByteBuffer.allocate(n);
        int fd = fdOf(ch);
        while (buf.hasRemaining()) {
            int r = ch.read(buf);
            if (r < 0) {
                throw new IOException("closed after " + buf.position() + " bytes");
            }
            if (r == 0) {
                Loop.current().poller().awaitSocketReady(fd, IoEvent.READ, 0, ch::isOpen);
            }
        }
        return new String(buf.array(), StandardCharsets.UTF_8);
    }

    /** The fds registered in the hub's epoll, as the kernel lists them. */
    static List<Integer> registeredFds(FdPoller poller) throws IOException {
        List<Integer> fds = new ArrayList<>();
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/fdinfo/" + poller.epollFd()))) {
            if (line.startsWith("tfd:")) {
                fds.add(Integer.parseInt(line.substring(4).trim().split("\\s+")[0]));
            }
        }
        return fds;
    }

    /** The JDK's socket close path, as the patch agent reports it: tell the hubs, then close. */
    static void closeReported(SocketChannel ch) throws Exception {
        FdPoller.socketClosing(fdOf(ch));
        ch.close();
    }

    @Test
    void aKeptRegistrationOutlivesTheWaitAndManyWaitsNeedNoNewOne() throws Exception {
        try (LoopbackPair pair = LoopbackPair.open()) {
            SocketChannel client = pair.client();
            SocketChannel s = pair.accepted();
            int fd = fdOf(s);
            FdPoller poller = Loop.current().poller();
            for (int i = 0; i < 20; i++) {
                Greenlet<String> reader = Gevent.spawn(() -> readFullyKept(s, 2));
                Gevent.sleep(0); // the reader waits
                client.write(ByteBuffer.wrap(("m" + i % 10).getBytes(StandardCharsets.UTF_8)));
                assertTrue(reader.join(java.time.Duration.ofSeconds(20)), "round " + i + ": the reader was never woken");
                assertEquals("m" + i % 10, reader.get());
                assertTrue(registeredFds(poller).contains(fd), "round " + i + ": the fd left the hub's epoll after its wait");
            }
            assertEquals(0, poller.waiting());
        }
    }

    @Test
    void aWaitThatTimesOutThenDataArrivesStillWakesTheNextWait() throws Exception {
        try (LoopbackPair pair = LoopbackPair.open()) {
            SocketChannel client = pair.client();
            SocketChannel s = pair.accepted();
            int fd = fdOf(s);
            FdPoller poller = Loop.current().poller();
            Greenlet<Void> timed = Gevent.spawn(() -> poller.awaitSocketReady(fd, IoEvent.READ, 30_000_000L, s::isOpen));
            timed.join();
            assertTrue(timed.successful());
            // data while nobody waits: the hub sees the edge with no reader and keeps it for the next wait
            client.write(ByteBuffer.wrap("a".getBytes(StandardCharsets.UTF_8)));
            Greenlet<String> reader = Gevent.spawn(() -> readFullyKept(s, 1));
            assertTrue(reader.join(java.time.Duration.ofSeconds(20)), "data that came after a timed-out wait was never seen");
            assertEquals("a", reader.get());
            // and a wait that finds no data after all (the remembered edge was consumed) parks again
            Greenlet<String> second = Gevent.spawn(() -> readFullyKept(s, 1));
            Gevent.sleep(0);
            assertFalse(second.dead());
            client.write(ByteBuffer.wrap("b".getBytes(StandardCharsets.UTF_8)));
            assertTrue(second.join(java.time.Duration.ofSeconds(20)));
            assertEquals("b", second.get());
        }
    }

    @Test
    void aSocketThatReusesTheFdOfAClosedRegisteredOneIsRegisteredAfresh() throws Exception {
        FdPoller poller = Loop.current().poller();
        LoopbackPair first = LoopbackPair.open();
        int oldFd = fdOf(first.accepted());
        Greenlet<String> reader = Gevent.spawn(() -> readFullyKept(first.accepted(), 1));
        Gevent.sleep(0);
        first.client().write(ByteBuffer.wrap("x".getBytes(StandardCharsets.UTF_8)));
        assertEquals("x", reader.get());
        assertTrue(registeredFds(poller).contains(oldFd));
        closeReported(first.accepted());
        assertFalse(registeredFds(poller).contains(oldFd), "the kernel drops a closed fd from epoll");
        first.client().close();
        // sockets take the lowest free number: open some until one reuses the old fd
        List<LoopbackPair> opened = new ArrayList<>();
        try {
            SocketChannel reusing = null;
            SocketChannel peer = null;
            for (int i = 0; i < 10 && reusing == null; i++) {
                LoopbackPair p = LoopbackPair.open();
                opened.add(p);
                p.client().configureBlocking(false);
                if (fdOf(p.accepted()) == oldFd) {
                    reusing = p.accepted();
                    peer = p.client();
                } else if (fdOf(p.client()) == oldFd) {
                    reusing = p.client();
                    peer = p.accepted();
                }
            }
            assertNotNull(reusing, "no new socket reused fd " + oldFd);
            SocketChannel r = reusing;
            Greenlet<String> second = Gevent.spawn(() -> readFullyKept(r, 1));
            Gevent.sleep(0);
            peer.write(ByteBuffer.wrap("y".getBytes(StandardCharsets.UTF_8)));
            assertTrue(second.join(java.time.Duration.ofSeconds(20)), "a socket reusing a closed socket's fd was never woken");
            assertEquals("y", second.get());
        } finally {
            for (LoopbackPair p : opened) {
                p.close();
            }
        }
    }

    @Test
    void aOneShotWaitAfterAKeptOneAndBackStillWakes() throws Exception {
        try (LoopbackPair pair = LoopbackPair.open()) {
            SocketChannel client = pair.client();
            SocketChannel s = pair.accepted();
            for (int i = 0; i < 4; i++) {
                boolean kept = i % 2 == 0;
                Greenlet<String> reader = Gevent.spawn(() -> kept ? readFullyKept(s, 1) : readFully(s, 1));
                Gevent.sleep(0);
                client.write(ByteBuffer.wrap("z".getBytes(StandardCharsets.UTF_8)));
                assertTrue(reader.join(java.time.Duration.ofSeconds(20)), "round " + i + " (kept " + kept + ") was never woken");
                assertEquals("z", reader.get());
            }
        }
    }

    /**
     * One read as the patched JDK does it: the syscall skipped when the hub says it would find nothing,
     * its result told to the hub, the kept wait after an empty one. Returns bytes read, or -1 at EOF.
     */
    static int jdkRead(SocketChannel ch, ByteBuffer buf) throws Exception {
        FdPoller poller = Loop.current().poller();
        int fd = fdOf(ch);
        while (true) {
            int len = buf.remaining();
            int n;
            if (poller.readWouldBlock(fd)) {
                n = -2;
            } else {
                n = ch.read(buf);
                n = n == 0 ? -2 : n;
                poller.readReturned(fd, n, len);
            }
            if (n != -2) {
                return n;
            }
            poller.awaitSocketReady(fd, IoEvent.READ, 10_000_000_000L, ch::isOpen);
        }
    }

    @Test
    void aShortReadSkipsTheNextReadsSyscallUntilDataOrTheEndOfInputComes() throws Exception {
        try (LoopbackPair pair = LoopbackPair.open()) {
            SocketChannel client = pair.client();
            SocketChannel s = pair.accepted();
            int fd = fdOf(s);
            FdPoller poller = Loop.current().poller();
            ByteBuffer buf = ByteBuffer.allocate(4096);
            Greenlet<Integer> first = Gevent.spawn(() -> jdkRead(s, buf));
            Gevent.sleep(0); // registered, waiting
            client.write(ByteBuffer.wrap(new byte[10]));
            assertEquals(10, first.get());
            assertTrue(poller.readWouldBlock(fd), "a short read: the next one would find nothing");
            client.write(ByteBuffer.wrap(new byte[7]));
            Greenlet<Integer> second = Gevent.spawn(() -> jdkRead(s, buf.clear()));
            assertEquals(7, second.get(), "data that came after a short read was not seen");
            // data and the end of input together, while the reader waits
            Greenlet<Integer> third = Gevent.spawn(() -> jdkRead(s, buf.clear()));
            Gevent.sleep(0);
            client.write(ByteBuffer.wrap(new byte[3]));
            client.shutdownOutput();
            assertEquals(3, third.get());
            Greenlet<Integer> fourth = Gevent.spawn(() -> jdkRead(s, buf.clear()));
            assertEquals(-1, fourth.get(), "the end of input after a short read was not seen");
        }
    }

    /** A connected loopback pair; the accepted side is non-blocking, as the hub poller's sockets are. */
    private record LoopbackPair(SocketChannel client, SocketChannel accepted) implements AutoCloseable {
        static LoopbackPair open() throws IOException {
            try (ServerSocketChannel server = ServerSocketChannel.open()) {
                server.bind(new InetSocketAddress("127.0.0.1", 0));
                SocketChannel client = SocketChannel.open(server.getLocalAddress());
                SocketChannel accepted = server.accept();
                accepted.configureBlocking(false);
                return new LoopbackPair(client, accepted);
            }
        }

        @Override
        public void close() throws IOException {
            client.close();
            accepted.close();
        }
    }
}
