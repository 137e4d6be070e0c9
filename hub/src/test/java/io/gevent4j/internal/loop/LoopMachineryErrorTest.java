package io.gevent4j.internal.loop;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An error thrown by the loop's own machinery (here: its epoll, whose descriptor went away under it)
 * never ends the hub's loop: it is reported, the greenlets waiting in the broken part fail with it, and
 * the hub keeps running.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LoopMachineryErrorTest {
    @Test
    void aBrokenEpollIsReportedFailsItsWaitersAndTheHubGoesOn() throws Exception {
        Hub hub = Hub.current();
        List<String> reported = Collections.synchronizedList(new ArrayList<>());
        hub.setErrorHandler((context, error) -> reported.add(context + ": " + error));
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            try (SocketChannel client = SocketChannel.open(server.getLocalAddress());
                 SocketChannel accepted = server.accept()) {
                accepted.configureBlocking(false);
                int fd = FdPollerTest.fdOf(accepted);
                FdPoller broken = Loop.current().poller();
                Greenlet<Void> reader = Gevent.spawn(() -> broken.awaitReady(fd, IoEvent.READ, 0, accepted::isOpen));
                Gevent.sleep(0);
                assertEquals(1, broken.waiting());
                broken.close(); // the machinery breaks: its next epoll_wait fails

                reader.join();
                assertInstanceOf(IOException.class, reader.exception(), String.valueOf(reader.exception()));
                assertTrue(reported.stream().anyMatch(r -> r.contains("epoll")), reported.toString());
                // the loop goes on: timers still fire, and socket waits get a new epoll
                Gevent.sleep(5);
                FdPoller next = Loop.current().poller();
                assertNotSame(broken, next);
                client.write(java.nio.ByteBuffer.wrap(new byte[] {7}));
                Greenlet<Void> second = Gevent.spawn(() -> next.awaitReady(fd, IoEvent.READ, 0, accepted::isOpen));
                second.join();
                assertTrue(second.successful(), String.valueOf(second.exception()));
            }
        } finally {
            hub.setErrorHandler(null);
        }
    }
}
