package io.gevent4j.testsupport;

import io.gevent4j.Greenlet;
import io.gevent4j.Gevent;
import io.gevent4j.Hub;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Gives each test a fresh hub and fails a test that leaves greenlets behind (gevent's leak check):
 * after each test, the test thread's hub is closed (which kills what is left) and the leftovers are
 * named in the failure.
 */
public final class FreshHub implements AfterEachCallback {
    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        Hub hub = Hub.currentOrNull();
        if (hub == null) {
            return;
        }
        // run what is still queued in this test: greenlets started but not yet run, error reports
        for (int i = 0; i < 1_000 && hub.inspect().readyCount() > 0; i++) {
            Gevent.sleep(0);
        }
        List<Greenlet<?>> left = hub.liveGreenlets();
        StringBuilder stacks = new StringBuilder();
        for (Greenlet<?> g : left) {
            stacks.append('\n').append(g).append(", waiting on ").append(hub.inspect().blockerOf(g));
            for (StackTraceElement e : hub.inspect().threadOf(g).getStackTrace()) {
                stacks.append("\n    at ").append(e);
            }
        }
        hub.close();
        if (!left.isEmpty() && context.getExecutionException().isEmpty()) {
            throw new AssertionError("the test left " + left.size() + " greenlet(s) running:" + stacks);
        }
    }

    /**
     * Lets the hub run until {@code condition} holds, yielding one turn at a time (no guessed sleeps).
     *
     * @param what described in the failure
     * @param condition what to wait for
     * @throws InterruptedException if interrupted
     */
    public static void runUntil(String what, BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 10_000; i++) {
            if (condition.getAsBoolean()) {
                return;
            }
            Gevent.sleep(0);
        }
        throw new AssertionError("not reached after 10,000 turns of the hub: " + what);
    }

    /**
     * Lets the hub run until {@code g} waits in the hub (for a queue, a lock, a pool...).
     *
     * @param g the greenlet
     * @throws InterruptedException if interrupted
     */
    public static void runUntilWaiting(Greenlet<?> g) throws InterruptedException {
        runUntil(g + " waiting in the hub", () -> g.hub().inspect().isWaitingInHub(g) && !g.dead());
    }
}
