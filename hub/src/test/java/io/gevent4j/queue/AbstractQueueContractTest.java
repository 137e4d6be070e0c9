package io.gevent4j.queue;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.testsupport.FreshHub;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.gevent4j.testsupport.FreshHub.runUntil;
import static io.gevent4j.testsupport.FreshHub.runUntilWaiting;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The contract every queue class keeps (JCTools style: one suite, one subclass per implementation).
 * Tests that need stored items use {@link #room()} items, which is 0 for a {@link Channel}; the order
 * in which stored items come out is {@link #expectedOrder}.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
@ExtendWith(FreshHub.class)
@SuppressWarnings("try") // try (var held = lock.acquired()) { ... } is the idiom under test
abstract class AbstractQueueContractTest {
    /** Bounded queues are made with this maxsize (ignored by Channel, which has none). */
    static final int MAXSIZE = 3;

    /** @return a new bounded queue of {@link #MAXSIZE} (a Channel for the Channel suite) */
    abstract Queue<Integer> bounded();

    /** @return a new unbounded queue (a Channel for the Channel suite) */
    abstract Queue<Integer> unbounded();

    /** @return the order in which items stored in this order come out */
    abstract List<Integer> expectedOrder(List<Integer> stored);

    /** @return how many items a bounded queue stores: {@link #MAXSIZE}, or 0 for a Channel */
    int room() {
        return MAXSIZE;
    }

    private static void fill(Queue<Integer> q, int n) {
        for (int i = 0; i < n; i++) {
            q.putNowait(100 + i);
        }
    }

    @Test
    void itemsComeOutInTheQueueOrder() throws Exception {
        Queue<Integer> q = unbounded();
        List<Integer> in = List.of(3, 1, 4, 5, 2);
        Greenlet<Void> producer = Gevent.spawn(() -> {
            for (int i : in) {
                q.put(i);
            }
        });
        runUntil("producer done or waiting", () -> producer.dead() || producer.hub().inspect().isWaitingInHub(producer));
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            out.add(q.get());
        }
        producer.join();
        List<Integer> expected = room() == 0 ? in : expectedOrder(in);
        assertEquals(expected, out);
    }

    @Test
    void getWaitsForAPut() throws Exception {
        Queue<Integer> q = bounded();
        Greenlet<Integer> getter = Gevent.spawn(() -> q.get());
        runUntilWaiting(getter);
        assertEquals(1, q.waitingGetters());
        q.put(42);
        assertEquals(42, getter.get());
        assertEquals(0, q.waitingGetters());
        assertEquals(0, q.qsize(), "an item put while a getter waits goes straight to it");
    }

    @Test
    void boundedPutWaitsUntilAGet() throws Exception {
        Queue<Integer> q = bounded();
        fill(q, room());
        assertTrue(q.full());
        List<String> log = new ArrayList<>();
        Greenlet<Void> putter = Gevent.spawn(() -> {
            q.put(7);
            log.add("put returned");
        });
        runUntilWaiting(putter);
        assertEquals(List.of(), log, "put must wait while the queue is full");
        assertEquals(1, q.waitingPutters());
        List<Integer> got = new ArrayList<>();
        for (int i = 0; i <= room(); i++) {
            got.add(q.get());
        }
        putter.join();
        assertEquals(List.of("put returned"), log);
        assertTrue(got.contains(7));
        assertEquals(room() + 1, got.size());
    }

    @Test
    void getNowaitOnAnEmptyQueueRaisesEmpty() {
        Queue<Integer> q = bounded();
        assertThrows(Empty.class, q::getNowait);
        assertThrows(Empty.class, () -> q.get(false, null));
        assertThrows(Empty.class, () -> q.get(Duration.ZERO));
        assertThrows(Empty.class, q::peekNowait);
    }

    @Test
    void getWithATimeoutRaisesEmptyWhenNothingComes() throws Exception {
        Queue<Integer> q = bounded();
        long t = System.nanoTime();
        Empty e = assertThrows(Empty.class, () -> q.get(Duration.ofMillis(50)));
        assertTrue(System.nanoTime() - t >= 50_000_000L, "returned before the timeout");
        assertTrue(e.getMessage().contains("within"), e.getMessage());
        assertEquals(0, q.waitingGetters(), "a getter that timed out leaves the queue");
        assertThrows(Empty.class, () -> q.peek(true, Duration.ofMillis(20)));
    }

    @Test
    void putNowaitOnAFullQueueRaisesFull() {
        Queue<Integer> q = bounded();
        fill(q, room());
        assertThrows(Full.class, () -> q.putNowait(9));
        assertThrows(Full.class, () -> q.put(9, false, null));
        assertThrows(Full.class, () -> q.put(9, Duration.ZERO));
        assertEquals(room(), q.qsize());
    }

    @Test
    void putWithATimeoutRaisesFullAndDoesNotPut() throws Exception {
        Queue<Integer> q = bounded();
        fill(q, room());
        long t = System.nanoTime();
        assertThrows(Full.class, () -> q.put(9, Duration.ofMillis(50)));
        assertTrue(System.nanoTime() - t >= 50_000_000L, "returned before the timeout");
        assertEquals(0, q.waitingPutters());
        List<Integer> left = new ArrayList<>();
        while (!q.empty()) {
            left.add(q.getNowait());
        }
        assertFalse(left.contains(9), "a put that timed out must not have put its item");
        assertThrows(Empty.class, q::getNowait);
    }

    @Test
    void waitingGettersAreServedInFifoOrder() throws Exception {
        Queue<Integer> q = bounded();
        List<String> got = new ArrayList<>();
        List<Greenlet<Void>> getters = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int index = i;
            getters.add(Gevent.spawn(() -> {
                got.add("getter " + index + " got " + q.get());
            }));
        }
        runUntil("all getters wait", () -> q.waitingGetters() == 4);
        for (int i = 0; i < 4; i++) {
            q.put(10 + i);
        }
        Gevent.joinAll(getters);
        assertEquals(List.of("getter 0 got 10", "getter 1 got 11", "getter 2 got 12", "getter 3 got 13"), got);
    }

    @Test
    void waitingPuttersAreServedInFifoOrder() throws Exception {
        Queue<Integer> q = bounded();
        fill(q, room());
        List<Integer> done = new ArrayList<>();
        List<Greenlet<Void>> putters = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int index = i;
            putters.add(Gevent.spawn(() -> {
                q.put(200 + index);
                done.add(index);
            }));
        }
        runUntil("all putters wait", () -> q.waitingPutters() == 4);
        for (int i = 0; i < room() + 4; i++) {
            q.get();
        }
        Gevent.joinAll(putters);
        assertEquals(List.of(0, 1, 2, 3), done);
    }

    @Test
    void peekShowsTheNextItemWithoutRemovingIt() throws Exception {
        Queue<Integer> q = unbounded();
        Greenlet<Void> producer = Gevent.spawn(() -> q.put(5));
        runUntil("producer done or waiting", () -> producer.dead() || producer.hub().inspect().isWaitingInHub(producer));
        assertEquals(5, q.peekNowait());
        assertEquals(5, q.peek());
        assertEquals(5, q.get());
        producer.join();
        assertThrows(Empty.class, q::peekNowait);
    }

    @Test
    void peekWaitsForAnItem() throws Exception {
        Queue<Integer> q = unbounded();
        Greenlet<Integer> peeker = Gevent.spawn(() -> q.peek());
        runUntilWaiting(peeker);
        Greenlet<Void> producer = Gevent.spawn(() -> q.put(8));
        assertEquals(8, peeker.get());
        assertEquals(8, q.get(), "peek must not remove the item");
        producer.join();
    }

    @Test
    void shutdownWakesWaitingGettersAndPutters() throws Exception {
        Queue<Integer> empty = bounded();
        Greenlet<Integer> getter = Gevent.spawn(() -> empty.get());
        Greenlet<Integer> peeker = Gevent.spawn(() -> empty.peek());
        runUntil("getter and peeker wait", () -> getter.hub().inspect().isWaitingInHub(getter) && peeker.hub().inspect().isWaitingInHub(peeker));
        empty.shutdown();
        getter.join();
        peeker.join();
        assertInstanceOf(ShutDown.class, getter.exception());
        assertInstanceOf(ShutDown.class, peeker.exception());

        Queue<Integer> full = bounded();
        fill(full, room());
        Greenlet<Void> putter = Gevent.spawn(() -> full.put(1));
        runUntilWaiting(putter);
        full.shutdown();
        putter.join();
        assertInstanceOf(ShutDown.class, putter.exception());
        assertEquals(0, full.waitingPutters());
    }

    @Test
    void afterShutdownGetsDrainTheItemsLeftThenRaiseShutDown() throws Exception {
        Queue<Integer> q = bounded();
        fill(q, room());
        q.shutdown();
        assertTrue(q.isShutdown());
        ShutDown put = assertThrows(ShutDown.class, () -> q.put(1));
        assertTrue(put.getMessage().contains("shut down"), put.getMessage());
        assertThrows(ShutDown.class, () -> q.putNowait(1));
        for (int i = 0; i < room(); i++) {
            q.get();
        }
        assertThrows(ShutDown.class, q::get);
        assertThrows(ShutDown.class, q::getNowait);
        assertThrows(ShutDown.class, () -> q.get(Duration.ofSeconds(5)));
        assertThrows(ShutDown.class, q::peekNowait);
    }

    @Test
    void immediateShutdownDiscardsTheItemsLeft() throws Exception {
        Queue<Integer> q = bounded();
        fill(q, room());
        q.shutdown(true);
        assertEquals(0, q.qsize());
        assertThrows(ShutDown.class, q::get);
    }

    @Test
    void iterationGetsItemsUntilShutdown() throws Exception {
        Queue<Integer> q = unbounded();
        Greenlet<Void> producer = Gevent.spawn(() -> {
            for (int i = 1; i <= 4; i++) {
                q.put(i);
            }
            q.shutdown();
        });
        List<Integer> seen = new ArrayList<>();
        for (int item : q) {
            seen.add(item);
        }
        producer.join();
        assertTrue(producer.successful());
        assertEquals(List.of(1, 2, 3, 4), seen.stream().sorted().toList());
    }

    @Test
    void aTimeoutLetsTheWaiterLeaveTheQueue() throws Exception {
        Queue<Integer> q = bounded();
        io.gevent4j.Timeout fired = assertThrows(io.gevent4j.Timeout.class, () -> {
            try (var t = io.gevent4j.Timeout.start(Duration.ofMillis(30))) {
                q.get();
            }
        });
        assertNotNull(fired);
        assertEquals(0, q.waitingGetters());
    }

    @Test
    void anItemHandedToAGetterThatIsKilledBeforeItRunsIsNotLost() throws Exception {
        Queue<Integer> q = bounded();
        List<Integer> got = new ArrayList<>();
        List<String> after = new ArrayList<>();
        Greenlet<Void> getter = Gevent.spawn(() -> {
            got.add(q.get());
            Gevent.sleep(0); // the kill that raced the hand-off is raised at the next wait
            after.add("not reached");
        });
        runUntilWaiting(getter);
        q.put(7); // handed over: the getter is ready but has not run
        getter.kill(new IllegalStateException("late kill"), false, null);
        getter.join();
        assertEquals(List.of(7), got, "the getter returns the item it was handed");
        assertEquals(List.of(), after);
        assertEquals("late kill", getter.exception().getMessage());
    }

    @Test
    void aGetterAboutToDieIsPassedOver() throws Exception {
        Queue<Integer> q = bounded();
        Greenlet<Integer> doomed = Gevent.spawn(() -> q.get());
        runUntilWaiting(doomed);
        Greenlet<Integer> next = Gevent.spawn(() -> q.get());
        runUntilWaiting(next);
        doomed.kill(new IllegalStateException("killed while waiting"), false, null);
        q.put(3); // must skip the greenlet that is about to raise
        assertEquals(3, next.get());
        doomed.join();
        assertEquals("killed while waiting", doomed.exception().getMessage());
        assertEquals(0, q.waitingGetters());
    }

    @Test
    void nullItemsAreRejected() {
        Queue<Integer> q = unbounded();
        assertThrows(NullPointerException.class, () -> q.put(null));
        assertThrows(NullPointerException.class, () -> q.putNowait(null));
    }

    @Test
    void anotherThreadGetsWrongThreadException() throws Exception {
        Queue<Integer> q = unbounded();
        List<Throwable> seen = new ArrayList<>();
        Thread plain = Thread.ofPlatform().start(() -> {
            seen.add(catching(() -> q.putNowait(1)));
            seen.add(catching(q::getNowait));
            seen.add(catching(q::qsize));
            seen.add(catching(q::shutdown));
        });
        plain.join(10_000);
        CompletableFuture<Throwable> fromOtherHub = new CompletableFuture<>();
        Thread otherHub = Thread.ofPlatform().start(() -> {
            try {
                Gevent.run(() -> {
                    q.put(1);
                    return null;
                });
                fromOtherHub.complete(null);
            } catch (Throwable t) {
                fromOtherHub.complete(t);
            }
        });
        otherHub.join(10_000);
        assertEquals(4, seen.size());
        for (Throwable t : seen) {
            assertInstanceOf(WrongThreadException.class, t);
        }
        assertInstanceOf(WrongThreadException.class, fromOtherHub.get());
        assertEquals(0, q.qsize());
        assertFalse(q.isShutdown());
    }

    private static Throwable catching(Runnable r) {
        try {
            r.run();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }
}
