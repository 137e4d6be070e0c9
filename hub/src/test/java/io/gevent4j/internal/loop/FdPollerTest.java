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
