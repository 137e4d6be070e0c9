package io.gevent4j;

import io.gevent4j.event.Event;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** Timeout and withTimeout (gevent's test__timeout.py). */
@org.junit.jupiter.api.Timeout(value = 30, unit = TimeUnit.SECONDS)
class TimeoutTest extends HubTestSupport {
    private static final Duration SHOULD_EXPIRE = Duration.ofMillis(10);
    private static final Duration SHOULD_NOT_EXPIRE = Duration.ofMillis(200);

    @Test
    void aTimeoutThrownDirectlyIsNotPending() {
        Timeout timeout = new Timeout(SHOULD_EXPIRE);
        Timeout caught = assertThrows(Timeout.class, () -> {
            throw timeout;
        });
        assertSame(timeout, caught);
        assertFalse(caught.pending());
        assertFalse(caught.expired());
    }

    @Test
    void expiresOnTheHubThreadAndCanBeRestarted() throws Exception {
        // gevent's _check_expires: start, expire, restart, expire again
        Event never = new Event();
        Timeout timeout = new Timeout(SHOULD_EXPIRE);
        for (int i = 0; i < 2; i++) {
            timeout.start();
            assertTrue(timeout.pending());
            Timeout caught = assertThrows(Timeout.class, never::await);
            assertSame(timeout, caught);
            assertTrue(timeout.expired());
            assertFalse(timeout.pending());
            timeout.close();
        }
    }

    @Test
    void expiresInAGreenlet() throws Exception {
        Event never = new Event();
        Greenlet<String> g = Gevent.spawn(() -> {
            try (Timeout t = Timeout.start(SHOULD_EXPIRE)) {
                never.await();
                return "not reached";
            } catch (Timeout t) {
                return "timed out after " + t.duration().toMillis() + " ms";
            }
        });
        assertEquals("timed out after 10 ms", g.get());
    }

    @Test
    void expiresWithAGivenException() throws Exception {
        IOException reason = new IOException("too slow");
        Event never = new Event();
        IOException caught = assertThrows(IOException.class, () -> {
            try (Timeout t = Timeout.start(SHOULD_EXPIRE, reason)) {
                never.await();
            }
        });
        assertSame(reason, caught);
    }

    @Test
    void expiresInAJoinAndASleep() throws Exception {
        Event never = new Event();
        Greenlet<Void> waiter = Gevent.spawn(() -> {
            never.await();
        });
        assertThrows(Timeout.class, () -> {
            try (Timeout t = Timeout.start(SHOULD_EXPIRE)) {
                waiter.join();
            }
        });
        assertThrows(Timeout.class, () -> {
            try (Timeout t = Timeout.start(SHOULD_EXPIRE)) {
                Gevent.sleep(10_000);
            }
        });
        waiter.kill();
    }

    @Test
    void cancelStopsIt() throws Exception {
        // gevent's test_cancel
        Timeout timeout = Timeout.start(SHOULD_EXPIRE);
        timeout.cancel();
        long start = System.nanoTime();
        Gevent.sleep(SHOULD_NOT_EXPIRE);
        assertTrue(System.nanoTime() - start > SHOULD_EXPIRE.toNanos());
        assertFalse(timeout.pending());
        assertFalse(timeout.expired());
        timeout.close();
    }

    @Test
    void neverFiresIntoCodeItNoLongerGuards() throws Exception {
        for (boolean inGreenlet : new boolean[] {false, true}) {
            Task check = () -> {
                try (Timeout t = Timeout.start(SHOULD_EXPIRE)) {
                    Gevent.sleep(0);
                } catch (Timeout t) {
                    // allowed: on a busy machine that turn may outlast it, and then it fires inside the block
                }
                long start = System.nanoTime();
                Gevent.sleep(SHOULD_EXPIRE.multipliedBy(5)); // well past the old deadline
                assertTrue(System.nanoTime() - start >= SHOULD_EXPIRE.toNanos());
            };
            if (inGreenlet) {
                Gevent.spawn(check::run).get();
            } else {
                check.run();
            }
        }
    }

    @Test
    void aTimeoutThatExpiredWhileTheBlockKeptTheHubBusyIsWithdrawnOnLeaving() throws Exception {
        // The block hogs the thread past the deadline, then leaves without blocking: the timer has not
        // fired (the loop never ran), and closing cancels it, so nothing fires later.
        try (Timeout t = Timeout.start(Duration.ofMillis(1))) {
            long due = System.nanoTime() + 3_000_000L;
            while (System.nanoTime() < due) {
                Thread.onSpinWait();
            }
        }
        Gevent.sleep(10);
    }

    @Test
    void nestedTheInnerExpiresFirstAndTheOuterStaysArmed() throws Exception {
        Event never = new Event();
        List<String> log = new ArrayList<>();
        Timeout outer = Timeout.start(SHOULD_NOT_EXPIRE.multipliedBy(10));
        try (outer) {
            try (Timeout inner = Timeout.start(SHOULD_EXPIRE)) {
                never.await();
            } catch (Timeout t) {
                log.add(t == outer ? "outer" : "inner");
            }
            assertTrue(outer.pending());
        }
        assertFalse(outer.pending());
        assertFalse(outer.expired());
        assertEquals(List.of("inner"), log);
    }

    @Test
    void nestedTheOuterFiresThroughTheInner() throws Exception {
        Event never = new Event();
        Timeout outer = Timeout.start(SHOULD_EXPIRE);
        Timeout[] inner = new Timeout[1];
        Timeout caught = assertThrows(Timeout.class, () -> {
            try (outer) {
                try (Timeout in = Timeout.start(SHOULD_NOT_EXPIRE.multipliedBy(10))) {
                    inner[0] = in;
                    never.await();
                } catch (Timeout t) {
                    if (t != inner[0]) {
                        throw t; // not ours
                    }
                    fail("the inner timeout cannot have fired");
                }
            }
        });
        assertSame(outer, caught);
        assertFalse(inner[0].pending(), "leaving the inner block cancelled it");
        assertFalse(inner[0].expired());
    }

    @Test
    void withTimeoutRaisesReturnsAFallbackOrTheResult() throws Exception {
        // gevent's test_with_timeout
        assertThrows(Timeout.class, () -> Gevent.withTimeout(SHOULD_EXPIRE, () -> {
            Gevent.sleep(SHOULD_NOT_EXPIRE.multipliedBy(10));
            return "late";
        }));
        Object x = new Object();
        assertSame(x, Gevent.withTimeout(SHOULD_EXPIRE, () -> {
            Gevent.sleep(SHOULD_NOT_EXPIRE.multipliedBy(10));
            return new Object();
        }, x));
        assertEquals("in time", Gevent.withTimeout(SHOULD_NOT_EXPIRE.multipliedBy(10), () -> {
            Gevent.sleep(SHOULD_EXPIRE);
            return "in time";
        }, "fallback"));
    }

    @Test
    void withTimeoutFallbackDoesNotSwallowAnotherTimeout() throws Exception {
        Event never = new Event();
        Timeout other = new Timeout(SHOULD_EXPIRE);
        Timeout caught = assertThrows(Timeout.class, () -> Gevent.withTimeout(SHOULD_NOT_EXPIRE.multipliedBy(10), () -> {
            try (other) {
                other.start();
                never.await();
            }
            return "not reached";
        }, "fallback"));
        assertSame(other, caught);
    }

    @Test
    void aTimeoutInOneGreenletDoesNotTouchAnother() throws Exception {
        Event never = new Event();
        Greenlet<String> guarded = Gevent.spawn(() -> {
            try (Timeout t = Timeout.start(SHOULD_EXPIRE)) {
                never.await();
            } catch (Timeout t) {
                return "timed out";
            }
            return "not reached";
        });
        Greenlet<String> bystander = Gevent.spawn(() -> {
            Gevent.sleep(SHOULD_EXPIRE.multipliedBy(5));
            return "undisturbed";
        });
        assertEquals("timed out", guarded.get());
        assertEquals("undisturbed", bystander.get());
    }

    /** A block of test code that may throw. */
    @FunctionalInterface
    private interface Task {
        void run() throws Exception;
    }
}
