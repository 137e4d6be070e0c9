package io.gevent4j.lock;

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

@Timeout(value = 30, unit = TimeUnit.SECONDS)
@ExtendWith(FreshHub.class)
@SuppressWarnings("try") // try (var held = lock.acquired()) { ... } is the idiom under test
class SemaphoreTest {

    @Test
    void waitersGetPermitsInFifoOrder() throws Exception {
        Semaphore sem = new Semaphore(1);
        sem.acquire();
        List<Integer> order = new ArrayList<>();
        List<Greenlet<Void>> gs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            int index = i;
            gs.add(Gevent.spawn(() -> {
                sem.acquire();
                order.add(index);
                Gevent.sleep(0);
                sem.release();
            }));
        }
        runUntil("all wait", () -> sem.waiting() == 6);
        sem.release();
        // a late arrival must not overtake the greenlets already waiting
        Greenlet<Void> late = Gevent.spawn(() -> {
            sem.acquire();
            order.add(99);
            sem.release();
        });
        Gevent.joinAll(gs);
        late.join();
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 99), order);
        assertEquals(1, sem.counter());
    }

    @Test
    void acquiredReleasesWhenTheBlockEnds() throws Exception {
        Semaphore sem = new Semaphore(2);
        try (var held = sem.acquired()) {
            assertTrue(held.held());
            assertEquals(1, sem.counter());
            held.close();
            held.close(); // idempotent
            assertEquals(2, sem.counter());
        }
        assertEquals(2, sem.counter());
        assertThrows(IllegalArgumentException.class, () -> {
            try (var held = sem.acquired()) {
                assertEquals(1, sem.counter());
                throw new IllegalArgumentException("the block failed");
            }
        });
        assertEquals(2, sem.counter(), "released on the way out of a failing block");
    }

    @Test
    void tryAcquireAndTimeouts() throws Exception {
        Semaphore sem = new Semaphore(1);
        assertTrue(sem.tryAcquire());
        assertTrue(sem.locked());
        assertFalse(sem.tryAcquire());
        assertFalse(sem.acquire(Duration.ZERO));
        long t = System.nanoTime();
        assertFalse(sem.acquire(Duration.ofMillis(40)));
        assertTrue(System.nanoTime() - t >= 40_000_000L);
        assertEquals(0, sem.waiting(), "a waiter that timed out leaves");
        sem.release();
        assertTrue(sem.acquire(Duration.ofMillis(40)));
        sem.release();
    }

    @Test
    void aPlainSemaphoreMayBeReleasedAboveItsStart() {
        Semaphore sem = new Semaphore(0);
        sem.release();
        sem.release();
        assertEquals(2, sem.counter());
    }

    @Test
    void boundedSemaphoreRejectsOverRelease() throws Exception {
        BoundedSemaphore sem = new BoundedSemaphore(2);
        sem.acquire();
        sem.release();
        IllegalStateException e = assertThrows(IllegalStateException.class, sem::release);
        assertTrue(e.getMessage().contains("released more times"), e.getMessage());
        assertEquals(2, sem.counter());
    }

    @Test
    void awaitAvailableWaitsWithoutTakingAPermit() throws Exception {
        Semaphore sem = new Semaphore(0);
        Greenlet<Integer> watcher = Gevent.spawn(() -> sem.awaitAvailable(Duration.ofSeconds(10)));
        runUntilWaiting(watcher);
        sem.release();
        assertEquals(1, watcher.get());
        assertEquals(1, sem.counter(), "awaitAvailable must not take the permit");
        sem.acquire();
        assertEquals(0, sem.awaitAvailable(Duration.ofMillis(20)));
    }

    @Test
    void aKilledWaiterDoesNotTakeAPermit() throws Exception {
        Semaphore sem = new Semaphore(0);
        Greenlet<Void> doomed = Gevent.spawn(() -> sem.acquire());
        Greenlet<Void> next = Gevent.spawn(() -> sem.acquire());
        runUntil("both wait", () -> sem.waiting() == 2);
        doomed.kill(new IllegalStateException("killed"), false, null);
        sem.release();
        next.join();
        doomed.join();
        assertTrue(next.successful());
        assertEquals("killed", doomed.exception().getMessage());
        assertEquals(0, sem.counter());
        assertEquals(0, sem.waiting());
    }

    @Test
    void anotherThreadGetsWrongThreadException() throws Exception {
        Semaphore sem = new Semaphore(1);
        CompletableFuture<Throwable> seen = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            try {
                sem.release();
                seen.complete(null);
            } catch (Throwable t) {
                seen.complete(t);
            }
        }).join(10_000);
        assertInstanceOf(WrongThreadException.class, seen.get());
        assertEquals(1, sem.counter());
    }

    @Test
    void negativePermitsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new Semaphore(-1));
    }
}
