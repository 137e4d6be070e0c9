package io.gevent4j.lock;

import io.gevent4j.core.Strand;
import io.gevent4j.internal.HubLocal;
import io.gevent4j.internal.loop.WaitList;
import io.gevent4j.internal.loop.Waiter;

import java.time.Duration;

/**
 * A condition variable over an {@link RLock} (Python's {@code threading.Condition} under gevent): a
 * greenlet holding the lock calls {@link #await()}, which releases the lock, waits for a
 * {@link #signal()}, and takes the lock back (with all its holds) before returning. Signals wake
 * waiters in FIFO order; a signal with nobody waiting is lost. As with every condition variable, wait
 * in a loop on the state you need:
 * <pre>{@code
 * try (var held = lock.acquired()) {
 *     while (items.isEmpty()) {
 *         notEmpty.await();
 *     }
 *     ...
 * }
 * }</pre>
 * The names follow {@link java.util.concurrent.locks.Condition} ({@code notify} is taken by
 * {@link Object}). Hub-local, like its lock.
 */
public final class Condition {
    private final RLock lock;
    private final WaitList waiters = new WaitList();

    /**
     * A condition over {@code lock}.
     *
     * @param lock the lock the callers must hold
     */
    public Condition(RLock lock) {
        this.lock = java.util.Objects.requireNonNull(lock, "lock");
    }

    /** {@return the lock of this condition} */
    public RLock lock() {
        return lock;
    }

    /**
     * Releases the lock, waits for a signal, and re-acquires the lock.
     *
     * @throws InterruptedException if interrupted while waiting (the lock is held again when it is thrown)
     * @throws IllegalMonitorStateException if the caller does not hold the lock
     */
    public void await() throws InterruptedException {
        await(null);
    }

    /**
     * Releases the lock, waits for a signal or for {@code timeout}, and re-acquires the lock (however
     * the wait ends, the lock is held again when this returns or throws).
     *
     * @param timeout the longest wait for a signal, or {@code null} for no limit
     * @return true if signalled, false on timeout
     * @throws InterruptedException if interrupted while waiting
     * @throws IllegalMonitorStateException if the caller does not hold the lock
     */
    public boolean await(Duration timeout) throws InterruptedException {
        Strand me = HubLocal.strand(lock.hub(), this);
        int holds = lock.releaseAll(me, "await a Condition of");
        boolean signalled = false;
        Throwable failure = null;
        try {
            signalled = waiters.await(new Waiter(me), this, timeout);
        } catch (Throwable t) {
            failure = t;
        }
        Throwable raised = lock.reacquire(me, holds);
        if (failure == null) {
            failure = raised;
        } else if (raised != null && raised != failure) {
            failure.addSuppressed(raised);
        }
        if (failure != null) {
            throw Strand.<InterruptedException>sneakyThrow(failure);
        }
        return signalled;
    }

    /**
     * Wakes the greenlet that has waited longest, if any. The caller must hold the lock.
     *
     * @throws IllegalMonitorStateException if the caller does not hold the lock
     */
    public void signal() {
        signal(1);
    }

    /**
     * Wakes up to {@code n} waiting greenlets, longest-waiting first.
     *
     * @param n how many
     * @throws IllegalMonitorStateException if the caller does not hold the lock
     */
    public void signal(int n) {
        Strand me = HubLocal.strand(lock.hub(), this);
        lock.checkOwner(me, "signal a Condition of");
        for (int i = 0; i < n && waiters.fulfilFirst(null) != null; i++) {
            // each fulfilFirst wakes one waiter
        }
    }

    /**
     * Wakes every waiting greenlet.
     *
     * @throws IllegalMonitorStateException if the caller does not hold the lock
     */
    public void signalAll() {
        signal(Integer.MAX_VALUE);
    }

    /** {@return the number of greenlets waiting for a signal} */
    public int waiting() {
        HubLocal.strand(lock.hub(), this);
        return waiters.size();
    }

    @Override
    public String toString() {
        return "Condition[" + waiters.size() + " waiting, over " + lock + "]";
    }
}
