package io.gevent4j.queue;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.testsupport.FreshHub;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.gevent4j.testsupport.FreshHub.runUntilWaiting;
import static org.junit.jupiter.api.Assertions.*;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
@ExtendWith(FreshHub.class)
class ChannelTest {

    @Test
    void putWaitsForAGetterAndTheItemPassesStraightAcross() throws Exception {
        Channel<String> ch = new Channel<>();
        List<String> log = new ArrayList<>();
        Greenlet<Void> putter = Gevent.spawn(() -> {
            log.add("putting");
            ch.put("hello");
            log.add("put returned");
        });
        runUntilWaiting(putter);
        assertEquals(List.of("putting"), log, "a put on a Channel waits until a getter takes the item");
        assertEquals(0, ch.qsize());
        assertEquals(1, ch.balance());
        assertEquals("hello", ch.peekNowait(), "peek shows the waiting putter's item");
        assertEquals("hello", ch.get());
        putter.join();
        assertEquals(List.of("putting", "put returned"), log);
        assertEquals(0, ch.balance());
    }

    @Test
    void aPutFindingAWaitingGetterReturnsAtOnce() throws Exception {
        Channel<Integer> ch = new Channel<>();
        Greenlet<Integer> getter = Gevent.spawn(() -> ch.get());
        runUntilWaiting(getter);
        assertEquals(-1, ch.balance());
        ch.putNowait(1); // succeeds only because a getter waits
        assertEquals(1, getter.get());
        assertThrows(Full.class, () -> ch.putNowait(2), "nobody waits any more");
    }

    @Test
    void getNowaitTakesFromAWaitingPutter() throws Exception {
        Channel<Integer> ch = new Channel<>();
        assertThrows(Empty.class, ch::getNowait);
        Greenlet<Void> putter = Gevent.spawn(() -> ch.put(5));
        runUntilWaiting(putter);
        assertEquals(5, ch.getNowait());
        putter.join();
        assertTrue(putter.successful());
    }

    @Test
    void aChannelHasNoRoom() {
        Channel<Integer> ch = new Channel<>();
        assertEquals(0, ch.maxsize());
        assertTrue(ch.empty());
        assertTrue(ch.full());
        Full full = assertThrows(Full.class, () -> ch.putNowait(1));
        assertTrue(full.getMessage().contains("waiting getter"), full.getMessage());
    }

    @Test
    void rendezvousPingPong() throws Exception {
        Channel<Integer> a = new Channel<>();
        Channel<Integer> b = new Channel<>();
        int n = 10_000;
        Greenlet<Void> pong = Gevent.spawn(() -> {
            for (int i = 0; i < n; i++) {
                b.put(a.get() + 1);
            }
        });
        Greenlet<Long> ping = Gevent.spawn(() -> {
            long sum = 0;
            for (int i = 0; i < n; i++) {
                a.put(i);
                int back = b.get();
                assertEquals(i + 1, back);
                sum += back;
            }
            return sum;
        });
        assertEquals((long) n * (n + 1) / 2, ping.get());
        pong.join();
        assertTrue(pong.successful());
    }

    @Test
    void shutdownFailsTheWaitingPutters() throws Exception {
        Channel<Integer> ch = new Channel<>();
        Greenlet<Void> putter = Gevent.spawn(() -> ch.put(1));
        runUntilWaiting(putter);
        ch.shutdown();
        putter.join();
        assertInstanceOf(ShutDown.class, putter.exception());
        assertThrows(ShutDown.class, ch::get);
    }
}
