package io.gevent4j;

import io.gevent4j.event.AsyncResult;
import io.gevent4j.event.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.*;

/** event.Event and event.AsyncResult basics. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EventTest extends HubTestSupport {

    @Test
    void setWakesEveryWaiterInOrder() throws Exception {
        Event e = new Event();
        List<String> log = new ArrayList<>();
        List<Greenlet<Void>> waiters = new ArrayList<>();
        for (String name : List.of("a", "b", "c")) {
            waiters.add(Gevent.spawn(() -> {
                e.await();
                log.add(name);
            }));
        }
        turn();
        assertTrue(log.isEmpty());
        assertFalse(e.isSet());
        e.set();
        assertTrue(e.isSet());
        assertTrue(e.ready());
        Gevent.joinAll(waiters);
        assertEquals(List.of("a", "b", "c"), log);
    }

    @Test
    void awaitOnASetEventReturnsAtOnceAndClearResetsIt() throws Exception {
        Event e = new Event();
        e.set();
        e.set();
        e.await();
        assertTrue(e.await(Duration.ZERO));
        e.clear();
        assertFalse(e.isSet());
        assertFalse(e.await(Duration.ofMillis(10)));
        assertEquals(0, Hub.current().pendingTimers(), "the wait's timer is cancelled");
        Hub.current().callLater(Duration.ofMillis(5), e::set);
        assertTrue(e.await(Duration.ofSeconds(10)));
        assertTrue(e.toString().contains("set"));
    }

    @Test
    void rawlinkRunsWhenSetAndUnlinkStopsIt() throws Exception {
        Event e = new Event();
        List<String> log = new ArrayList<>();
        java.util.function.Consumer<Waitable> removed = w -> log.add("removed");
        e.rawlink(w -> log.add("linked ready=" + w.ready()));
        e.rawlink(removed);
        assertTrue(e.rawunlink(removed));
        e.set();
        assertEquals(List.of("linked ready=true"), log);
        e.rawlink(w -> log.add("linked after set"));
        assertEquals(List.of("linked ready=true", "linked after set"), log);
    }

    @Test
    void asyncResultCarriesAValue() throws Exception {
        AsyncResult<String> r = new AsyncResult<>();
        Greenlet<String> getter = Gevent.spawn(() -> r.get());
        turn();
        assertFalse(r.ready());
        assertFalse(r.isDone());
        r.set("value");
        assertEquals("value", getter.get());
        assertTrue(r.successful());
        assertEquals("value", r.value());
        assertEquals("value", r.get(1, TimeUnit.SECONDS));
        IllegalStateException twice = assertThrows(IllegalStateException.class, () -> r.set("again"));
        assertTrue(twice.getMessage().contains("already set"), twice.getMessage());
        assertFalse(r.cancel(true));
    }

    @Test
    void asyncResultCarriesAnException() throws Exception {
        AsyncResult<String> r = new AsyncResult<>();
        IllegalStateException cause = new IllegalStateException("failed");
        Gevent.spawn(() -> {
            r.setException(cause);
        });
        ExecutionException e = assertThrows(ExecutionException.class, r::get);
        assertSame(cause, e.getCause());
        assertSame(cause, r.exception());
        assertFalse(r.successful());
        assertTrue(r.ready());
    }

    @Test
    void asyncResultGetWithATimeout() throws Exception {
        AsyncResult<String> r = new AsyncResult<>();
        assertThrows(TimeoutException.class, () -> r.get(10, TimeUnit.MILLISECONDS));
        assertFalse(r.await(Duration.ofMillis(5)));
    }

    @Test
    void asyncResultIsReadableFromAnotherThread() throws Exception {
        AsyncResult<String> r = new AsyncResult<>();
        CompletableFuture<String> fromOtherThread = new CompletableFuture<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                fromOtherThread.complete(r.get());
            } catch (Throwable e) {
                fromOtherThread.completeExceptionally(e);
            }
        });
        Hub.current().callLater(Duration.ofMillis(5), () -> r.set("across"));
        // the other thread's get() completes through this hub's loop
        while (!fromOtherThread.isDone()) {
            Gevent.sleep(1);
        }
        assertEquals("across", fromOtherThread.get());
        t.join();
    }

    @Test
    void waitAndIwaitMixEventsAsyncResultsAndGreenlets() throws Exception {
        Event e = new Event();
        AsyncResult<Integer> r = new AsyncResult<>();
        Greenlet<Void> g = Gevent.spawn(() -> {
            r.set(1);
            Gevent.sleep(0);
            e.set();
        });
        List<Waitable> order = new ArrayList<>();
        for (Waitable w : Gevent.iwait(List.<Waitable>of(e, g, r), null)) {
            order.add(w);
        }
        assertEquals(List.of(r, e, g), order); // e is set before g returns
    }

    @Test
    void aWaiterKilledOrTimedOutLeavesTheEventAndTheOthersStillWake() throws Exception {
        // an untimed waiter is its strand in the event's links: a kill must take it out again
        Event e = new Event();
        List<String> log = new ArrayList<>();
        Greenlet<Void> killed = Gevent.spawn(() -> {
            e.await();
            log.add("killed one woke");
        });
        Greenlet<Void> timed = Gevent.spawn(() -> {
            log.add("timed " + e.await(Duration.ofMillis(1)));
        });
        Greenlet<Void> stays = Gevent.spawn(() -> {
            e.await();
            log.add("stays");
        });
        turn();
        assertTrue(e.toString().contains("3 waiting"), e.toString());
        killed.kill();
        timed.join();
        assertEquals(List.of("timed false"), log);
        assertTrue(e.toString().contains("1 waiting"), e.toString());
        e.set();
        stays.join();
        assertEquals(List.of("timed false", "stays"), log);
        assertTrue(killed.killed());
    }

    @Test
    void aGreenletOfATaskReturnsNullAndFailsWithItsException() throws Exception {
        Gevent.Task nothing = () -> { };
        Gevent.Task fails = () -> {
            throw new java.io.IOException("task failed");
        };
        Greenlet<Void> ok = Gevent.spawn(nothing);
        Greenlet<Void> failing = Gevent.spawn(fails);
        assertNull(ok.get());
        ExecutionException error = assertThrows(ExecutionException.class, failing::get);
        assertEquals("task failed", error.getCause().getMessage());
        assertInstanceOf(java.io.IOException.class, error.getCause());
    }
}
