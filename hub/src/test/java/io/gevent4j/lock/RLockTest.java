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
class RLockTest {

    @Test
    void theOwnerMayAcquireAgainAndMustReleaseAsOften() throws Exception {
        RLock lock = new RLock();
        Greenlet<List<Integer>> owner = Gevent.spawn(() -> {
            List<Integer> holds = new ArrayList<>();
            lock.acquire();
            try (var again = lock.acquired()) {
                assertTrue(lock.tryAcquire());
                holds.add(lock.holdCount());
                lock.release();
                holds.add(lock.holdCount());
            }
            holds.add(lock.holdCount());
            assertTrue(lock.isHeldByCurrent());
            lock.release();
            holds.add(lock.holdCount());
            return holds;
        });
        assertEquals(List.of(3, 2, 1, 0), owner.get());
        assertFalse(lock.locked());
    }

    @Test
    void releaseByAGreenletThatDoesNotOwnItFails() throws Exception {
        RLock lock = new RLock();
        Greenlet<Void> owner = Gevent.spawn(() -> lock.acquire());
        owner.join();
        assertTrue(lock.locked());
        IllegalMonitorStateException e = assertThrows(IllegalMonitorStateException.class, lock::release);
        assertTrue(e.getMessage().contains("held by " + owner.name()), e.getMessage());
        Greenlet<Void> other = Gevent.spawn(() -> lock.release());
        other.join();
        assertInstanceOf(IllegalMonitorStateException.class, other.exception());
        assertEquals(1, lock.holdCount(), "a failed release changes nothing");

        RLock free = new RLock();
        IllegalMonitorStateException unlocked = assertThrows(IllegalMonitorStateException.class, free::release);
        assertTrue(unlocked.getMessage().contains("not locked"), unlocked.getMessage());
    }

    @Test
    void othersWaitAndGetTheLockInFifoOrder() throws Exception {
        RLock lock = new RLock();
        lock.acquire(); // the hub thread's root strand owns it
        List<Integer> order = new ArrayList<>();
        List<Greenlet<Void>> gs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int index = i;
            gs.add(Gevent.spawn(() -> {
                try (var held = lock.acquired()) {
                    order.add(index);
                    Gevent.sleep(0);
                }
            }));
        }
        runUntil("all wait", () -> lock.waiting() == 4);
        assertFalse(gs.get(0).dead());
        lock.release();
        Gevent.joinAll(gs);
        assertEquals(List.of(0, 1, 2, 3), order);
        assertFalse(lock.locked());
    }

    @Test
    void acquireWithATimeoutGivesUp() throws Exception {
        RLock lock = new RLock();
        Greenlet<Void> owner = Gevent.spawn(() -> lock.acquire());
        owner.join();
        assertFalse(lock.acquire(Duration.ofMillis(30)));
        assertFalse(lock.acquire(Duration.ZERO));
        assertFalse(lock.tryAcquire());
        assertEquals(0, lock.waiting());
    }

    @Test
    void conditionAwaitReleasesTheLockAndSignalWakesInOrder() throws Exception {
        RLock lock = new RLock();
        Condition ready = new Condition(lock);
        List<Integer> items = new ArrayList<>();
        List<String> log = new ArrayList<>();
        List<Greenlet<Void>> consumers = new ArrayList<>();
        for (int c = 0; c < 2; c++) {
            int index = c;
            consumers.add(Gevent.spawn(() -> {
                try (var held = lock.acquired(); var twice = lock.acquired()) {
                    while (items.isEmpty()) {
                        ready.await();
                    }
                    assertEquals(2, lock.holdCount(), "await gives back every hold");
                    log.add("consumer " + index + " took " + items.removeFirst());
                }
            }));
        }
        runUntil("both consumers wait", () -> ready.waiting() == 2);
        assertFalse(lock.locked(), "await released the lock");
        try (var held = lock.acquired()) {
            items.add(1);
            items.add(2);
            ready.signalAll();
        }
        Gevent.joinAll(consumers);
        assertEquals(List.of("consumer 0 took 1", "consumer 1 took 2"), log);
    }

    @Test
    void conditionAwaitTimesOutAndHoldsTheLockAgain() throws Exception {
        RLock lock = new RLock();
        Condition never = new Condition(lock);
        try (var held = lock.acquired()) {
            assertFalse(never.await(Duration.ofMillis(30)));
            assertTrue(lock.isHeldByCurrent());
            assertEquals(1, lock.holdCount());
        }
        assertThrows(IllegalMonitorStateException.class, never::await, "await needs the lock");
        assertThrows(IllegalMonitorStateException.class, never::signal, "signal needs the lock");
    }

    @Test
    void aConditionWaiterKilledWhileWaitingHoldsTheLockWhenItDies() throws Exception {
        RLock lock = new RLock();
        Condition cond = new Condition(lock);
        List<Boolean> heldInFinally = new ArrayList<>();
        Greenlet<Void> waiter = Gevent.spawn(() -> {
            lock.acquire();
            try {
                cond.await();
            } finally {
                heldInFinally.add(lock.isHeldByCurrent());
                lock.release();
            }
        });
        runUntilWaiting(waiter);
        waiter.kill();
        assertEquals(List.of(true), heldInFinally);
        assertFalse(lock.locked());
    }

    @Test
    void anotherThreadGetsWrongThreadException() throws Exception {
        RLock lock = new RLock();
        CompletableFuture<Throwable> seen = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            try {
                lock.acquire();
                seen.complete(null);
            } catch (Throwable t) {
                seen.complete(t);
            }
        }).join(10_000);
        assertInstanceOf(WrongThreadException.class, seen.get());
        assertFalse(lock.locked());
    }
}
