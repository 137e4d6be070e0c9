package io.gevent4j;

import io.gevent4j.event.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.*;

/** Greenlet as a java.util.concurrent.Future, and startLater / spawnLater. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GreenletFutureTest extends HubTestSupport {

    @Test
    void getReturnsTheValue() throws Exception {
        Future<String> f = Gevent.spawn(() -> "value");
        assertFalse(f.isDone());
        assertEquals("value", f.get());
        assertTrue(f.isDone());
        assertFalse(f.isCancelled());
    }

    @Test
    void getWithATimeoutThrowsTimeoutException() throws Exception {
        Event never = new Event();
        Greenlet<String> g = Gevent.spawn(() -> {
            never.await();
            return "late";
        }).name("slowpoke");
        TimeoutException e = assertThrows(TimeoutException.class, () -> g.get(10, TimeUnit.MILLISECONDS));
        assertTrue(e.getMessage().contains("slowpoke"), e.getMessage());
        never.set();
        assertEquals("late", g.get(10, TimeUnit.SECONDS));
    }

    @Test
    void getOfAFailedGreenletThrowsExecutionExceptionWithTheCause() throws Exception {
        IllegalArgumentException cause = new IllegalArgumentException("bad input");
        Greenlet<Void> g = Gevent.spawn(() -> {
            throw cause;
        });
        ExecutionException e = assertThrows(ExecutionException.class, g::get);
        assertSame(cause, e.getCause());
    }

    @Test
    void getAfterAKillThrowsCancellationException() throws Exception {
        Greenlet<String> g = Gevent.spawn(() -> {
            Gevent.sleep(10_000);
            return "never";
        });
        turn();
        g.kill();
        assertThrows(CancellationException.class, g::get);
        assertThrows(CancellationException.class, () -> g.get(1, TimeUnit.SECONDS));
    }

    @Test
    void toCompletableFutureCompletesWithTheOutcome() throws Exception {
        Greenlet<Integer> ok = Gevent.spawn(() -> 7);
        Greenlet<Integer> bad = Gevent.spawn(() -> {
            throw new IllegalStateException("bad");
        });
        Greenlet<Integer> killed = Gevent.spawn(() -> {
            Gevent.sleep(10_000);
            return 0;
        });
        CompletableFuture<Integer> okF = ok.toCompletableFuture();
        CompletableFuture<Integer> badF = bad.toCompletableFuture();
        CompletableFuture<Integer> killedF = killed.toCompletableFuture();
        CompletableFuture<Integer> chained = okF.thenApply(v -> v * 6);
        turn();
        killed.kill();
        assertEquals(7, okF.getNow(-1));
        assertEquals(42, chained.getNow(-1));
        assertTrue(badF.isCompletedExceptionally());
        assertInstanceOf(IllegalStateException.class, assertThrows(ExecutionException.class, badF::get).getCause());
        assertThrows(CancellationException.class, killedF::get);
        assertEquals(7, ok.toCompletableFuture().getNow(-1), "a dead greenlet's future is complete at once");
    }

    @Test
    void spawnLaterStartsAfterTheDelay() throws Exception {
        List<String> log = new ArrayList<>();
        long start = System.nanoTime();
        Greenlet<Long> later = Gevent.spawnLater(Duration.ofMillis(30), () -> {
            log.add("later");
            return System.nanoTime() - start;
        });
        Greenlet<Void> now = Gevent.spawn(() -> {
            log.add("now");
        });
        assertFalse(later.started());
        now.join();
        assertTrue(later.get() >= 30_000_000L);
        assertEquals(List.of("now", "later"), log);
        Greenlet<Void> task = Gevent.spawnLater(Duration.ZERO, () -> {
            log.add("task");
        });
        task.join();
        assertEquals(List.of("now", "later", "task"), log);
    }

    @Test
    void startLaterThenStartRunsOnceAtOnce() throws Exception {
        List<String> log = new ArrayList<>();
        Greenlet<Void> g = Greenlet.create(() -> {
            log.add("ran");
            return null;
        });
        g.startLater(Duration.ofSeconds(10));
        g.startLater(Duration.ofMillis(1)); // already scheduled: no effect
        assertEquals(1, Hub.current().pendingTimers());
        g.start(); // starting now cancels the delayed start
        assertEquals(0, Hub.current().pendingTimers());
        g.join();
        turn();
        assertEquals(List.of("ran"), log);
    }
}
