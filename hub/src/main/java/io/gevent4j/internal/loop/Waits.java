package io.gevent4j.internal.loop;

import io.gevent4j.core.Strand;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * The waiting loops every blocking primitive is built on. A wait parks the current strand (a greenlet,
 * or the hub's own thread, which then runs the loop) and re-checks its condition after each wake-up.
 */
public final class Waits {
    private Waits() {
    }

    /**
     * Parks the current strand until {@code condition} holds or {@code timeout} passes. Whoever makes
     * the condition true must {@link Strand#unpark()} the waiter.
     *
     * @param blocker what is waited on, for dumps and LoopExit messages
     * @param timeout the longest wait, or {@code null} for no limit
     * @param condition re-checked after each wake-up
     * @return true if the condition holds, false on timeout
     * @throws InterruptedException if interrupted
     */
    public static boolean parkUntil(Object blocker, Duration timeout, BooleanSupplier condition)
            throws InterruptedException {
        if (condition.getAsBoolean()) {
            return true;
        }
        Strand me = Strand.current();
        if (timeout == null) {
            do {
                me.park(blocker);
            } while (!condition.getAsBoolean());
            return true;
        }
        TimerHeap.Timer timer = Loop.of(me).timers().wakeAt(Deadline.after(timeout), me);
        try {
            do {
                me.park(blocker);
                if (condition.getAsBoolean()) {
                    return true;
                }
            } while (timer.pending());
            return false;
        } finally {
            timer.cancel();
        }
    }

    /**
     * Waits for a future completed by another thread. On a hub (a greenlet or the hub's thread) the
     * hub keeps running meanwhile, and does not report LoopExit while the future is outstanding;
     * elsewhere this is a plain blocking get.
     *
     * @param future the future
     * @param timeout the longest wait, or {@code null}
     * @param <T> the result type
     * @return the result
     * @throws ExecutionException if the future failed
     * @throws TimeoutException on timeout
     * @throws InterruptedException if interrupted
     */
    public static <T> T await(CompletableFuture<T> future, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        Strand me = Strand.currentOrNull();
        if (me == null) {
            return timeout == null ? future.get() : future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        if (!future.isDone()) {
            me.carrier().retainExternal();
            try {
                future.whenComplete((r, e) -> me.unpark());
                if (!parkUntil(future, timeout, future::isDone)) {
                    throw new TimeoutException("not completed within " + timeout);
                }
            } finally {
                me.carrier().releaseExternal();
            }
        }
        return future.get();
    }
}
