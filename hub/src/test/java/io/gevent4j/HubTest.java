package io.gevent4j;

import io.gevent4j.event.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.gevent4j.internal.loop.TimerHeap;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The hub itself: callbacks, timers, submit, run/stop, close, formatRunInfo, Gevent.run. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HubTest extends HubTestSupport {

    @Test
    void oneHubPerThreadSharedByItsGreenlets() throws Exception {
        Hub hub = Hub.current();
        assertSame(hub, Hub.current());
        assertSame(hub, Hub.currentOrNull());
        assertSame(Thread.currentThread(), hub.thread());
        assertTrue(hub.inHub());
        assertSame(hub, Gevent.spawn(Hub::current).get());
        assertTrue(hub.toString().contains(Thread.currentThread().getName()));
    }

    @Test
    void callSoonRunsOnTheHubInFifoOrderAfterWhatIsReady() throws Exception {
        Hub hub = Hub.current();
        Thread hubThread = Thread.currentThread();
        List<String> log = new ArrayList<>();
        Greenlet<Void> g = Gevent.spawn(() -> {
            log.add("greenlet");
        });
        hub.callSoon(() -> log.add("first on " + (Thread.currentThread() == hubThread)));
        hub.callSoon(() -> {
            log.add("second");
            hub.callSoon(() -> log.add("added by a callback"));
        });
        g.join(); // the hub thread resumes as soon as g dies, before the callbacks queued after g
        turn();
        assertEquals(List.of("greenlet", "first on true", "second"), log);
        turn();
        assertEquals(List.of("greenlet", "first on true", "second", "added by a callback"), log);
    }

    @Test
    void callLaterRunsByDeadlineAndCanBeCancelled() throws Exception {
        Hub hub = Hub.current();
        List<String> log = new ArrayList<>();
        Event done = new Event();
        // Expected order: by deadline, which each call fixes from its own clock reading (a busy machine
        // may pause between two calls, so the order comes from the deadlines, not from the delays).
        Map<String, Long> deadlines = new LinkedHashMap<>();
        for (int delay : new int[] {40, 10, 0, -5, 25}) {
            String name = "after " + delay;
            TimerHandle t = hub.callLater(Duration.ofMillis(delay), () -> log.add(name));
            deadlines.put(name, ((TimerHeap.Timer) t).deadline());
        }
        TimerHandle cancelled = hub.callLater(Duration.ofMillis(20), () -> log.add("cancelled"));
        TimerHandle last = hub.callLater(Duration.ofMillis(60), done::set);
        assertTrue(cancelled.pending());
        cancelled.cancel();
        cancelled.cancel();
        assertFalse(cancelled.pending());
        assertEquals(6, hub.pendingTimers());
        done.await();
        List<String> byDeadline = deadlines.entrySet().stream()
                .sorted(Comparator.comparingLong(e -> e.getValue() - deadlines.get("after 40")))
                .map(Map.Entry::getKey).toList();
        assertEquals(byDeadline, log);
        assertEquals(5, log.size());
        assertFalse(last.pending());
        assertEquals(0, hub.pendingTimers());
    }

    @Test
    void aBlockingCallInsideACallbackFailsWithAClearError() throws Exception {
        Hub hub = Hub.current();
        List<Throwable> errors = new ArrayList<>();
        Runnable blocking = () -> {
            try {
                Gevent.sleep(10);
            } catch (Throwable t) {
                errors.add(t);
            }
        };
        hub.callSoon(blocking);
        hub.callLater(Duration.ZERO, blocking);
        Greenlet<Integer> g = Gevent.spawn(() -> 1);
        g.link(x -> blocking.run());
        g.join();
        Gevent.sleep(5);
        assertEquals(3, errors.size(), errors.toString());
        for (Throwable t : errors) {
            assertInstanceOf(IllegalStateException.class, t);
            assertTrue(t.getMessage().contains("blocking call was made from a hub callback"), t.getMessage());
            assertTrue(t.getMessage().contains("Gevent.spawn"), t.getMessage());
        }
    }

    @Test
    void submitFromTheHubThreadRunsInAGreenlet() throws Exception {
        CompletableFuture<String> f = Hub.current().submit(() -> {
            Gevent.sleep(1);
            return Gevent.getCurrent() != null ? "in a greenlet" : "not in a greenlet";
        });
        assertFalse(f.isDone());
        while (!f.isDone()) {
            Gevent.sleep(1);
        }
        assertEquals("in a greenlet", f.getNow("not done"));
    }

    @Test
    void runUntilStoppedByAGreenlet() throws Exception {
        Hub hub = Hub.current();
        List<String> log = new ArrayList<>();
        Gevent.spawn(() -> {
            Gevent.sleep(5);
            log.add("stopping");
            hub.stop();
        });
        hub.run();
        assertEquals(List.of("stopping"), log);
        turn();
    }

    @Test
    void runUntilStoppedFromAnotherThreadAndAStopBeforeRunIsKept() throws Exception {
        Hub hub = Hub.current();
        Thread stopper = Thread.ofPlatform().start(() -> {
            while (hub.thread().getState() != Thread.State.WAITING) {
                Thread.onSpinWait();
            }
            hub.stop();
        });
        hub.run();
        stopper.join();
        hub.stop();
        hub.run(); // returns at once: the stop came first
    }

    @Test
    void runMustBeCalledOnTheHubThreadOutsideGreenlets() throws Exception {
        Hub hub = Hub.current();
        Greenlet<Void> g = Gevent.spawn(() -> {
            hub.run();
        });
        g.join();
        assertInstanceOf(WrongThreadException.class, g.exception());
    }

    @Test
    void closeKillsEverythingAndTheThreadGetsANewHub() throws Exception {
        Hub hub = Hub.current();
        Event never = new Event();
        List<String> log = new ArrayList<>();
        Greenlet<Void> running = Gevent.spawn(() -> {
            try {
                never.await();
            } finally {
                log.add("running greenlet cleaned up");
            }
        });
        turn();
        Greenlet<Void> notRunYet = Gevent.spawn(() -> {
            log.add("must never run");
        });
        Greenlet<Void> later = Gevent.spawnLater(Duration.ofSeconds(10), () -> {
            log.add("must never run either");
        });
        running.link(x -> log.add("link of the running one"));
        notRunYet.link(x -> log.add("link of the one not run"));
        hub.callLater(Duration.ofSeconds(10), () -> log.add("timer must not fire"));
        assertEquals(3, hub.liveGreenlets().size());
        hub.close();
        assertTrue(hub.isClosed());
        assertTrue(running.killed());
        assertTrue(notRunYet.killed());
        assertTrue(later.killed());
        assertTrue(log.containsAll(List.of("running greenlet cleaned up", "link of the running one",
                "link of the one not run")), log.toString());
        assertFalse(log.stream().anyMatch(s -> s.contains("never") || s.contains("timer")), log.toString());
        assertEquals(0, hub.pendingTimers());
        Hub next = Hub.current();
        assertNotSame(hub, next);
        assertEquals(5, Gevent.spawn(() -> 5).get(), "the new hub works");
        hub.close(); // closing twice is harmless
        ExecutionException refused = assertThrows(ExecutionException.class, () -> hub.submit(() -> 1).get());
        assertTrue(refused.getCause().getMessage().contains("closed"), refused.getCause().getMessage());
    }

    @Test
    void closeFromOneOfItsGreenletsIsRefused() throws Exception {
        Hub hub = Hub.current();
        Greenlet<Void> g = Gevent.spawn(() -> {
            hub.close();
        });
        g.join();
        assertInstanceOf(IllegalStateException.class, g.exception());
        assertTrue(g.exception().getMessage().contains("outside greenlets"), g.exception().getMessage());
        assertFalse(hub.isClosed());
    }

    @Test
    void formatRunInfoShowsEachGreenletWhatItWaitsOnAndItsStack() throws Exception {
        Event never = new Event();
        Greenlet<Void> waiter = Gevent.spawn(() -> {
            never.await();
        }).name("info-waiter");
        Greenlet<Void> notRun = Gevent.spawn(() -> { }).name("info-not-run");
        turn();
        Greenlet<Void> queued = Gevent.spawn(() -> { }).name("info-queued");
        Hub.current().callLater(Duration.ofSeconds(10), () -> { });
        String info = Hub.current().formatRunInfo();
        assertTrue(info.contains("info-waiter waits on Event[unset"), info);
        assertTrue(info.contains("Event.await"), "the waiter's stack is shown:\n" + info);
        assertTrue(info.contains("info-queued has not run yet"), info);
        assertFalse(info.contains("info-not-run"), "a finished greenlet is not listed:\n" + info);
        assertTrue(info.contains("timer due in"), info);
        String all = Gevent.formatRunInfo();
        assertTrue(all.contains("info-waiter"), all);
        Hub.current().close();
        assertTrue(notRun.dead() && queued.dead() && waiter.dead());
    }

    @Test
    void runReturnsTheValue() throws Exception {
        assertEquals("result", Gevent.run(() -> {
            Gevent.sleep(1);
            return "result";
        }));
    }

    @Test
    void runRethrowsExactlyWhatTheProgramThrew() throws Exception {
        java.io.IOException checked = new java.io.IOException("checked failure");
        String err = captureStderr(() -> {
            java.io.IOException e = assertThrows(java.io.IOException.class, () -> Gevent.run(() -> {
                throw checked;
            }));
            assertSame(checked, e);
            IllegalStateException unchecked = assertThrows(IllegalStateException.class, () -> Gevent.run(() -> {
                throw new IllegalStateException("unchecked failure");
            }));
            assertEquals("unchecked failure", unchecked.getMessage());
            turn();
        });
        assertEquals("", err, "run() observes the failure: nothing is printed");
    }

    @Test
    void runDrivesTheGreenletsSpawnedMeanwhile() throws Exception {
        int total = Gevent.run(() -> {
            List<Greenlet<Integer>> parts = new ArrayList<>();
            for (int i = 1; i <= 10; i++) {
                int n = i;
                parts.add(Gevent.spawn(() -> {
                    Gevent.sleep(n);
                    return n;
                }));
            }
            int sum = 0;
            for (Greenlet<Integer> p : parts) {
                sum += p.get();
            }
            return sum;
        });
        assertEquals(55, total);
    }
}
