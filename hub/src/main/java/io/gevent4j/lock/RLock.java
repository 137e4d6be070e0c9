package io.gevent4j.lock;

import io.gevent4j.Hub;
import io.gevent4j.core.Strand;
import io.gevent4j.internal.HubLocal;
import io.gevent4j.internal.loop.WaitList;
import io.gevent4j.internal.loop.Waiter;

import java.time.Duration;

/**
 * A reentrant lock owned by a greenlet (gevent's {@code gevent.lock.RLock}): the greenlet that holds
 * it may acquire it again, and must release it as many times; any other greenlet waits. On the hub's
 * thread outside greenlets, the owner is that thread's root strand.
 *
 * <p>Fair: when the owner releases it for the last time, ownership passes straight to the greenlet
 * that has waited longest. Releasing from a greenlet that does not own it throws
 * {@link IllegalMonitorStateException}, as {@link java.util.concurrent.locks.ReentrantLock} does. A
 * greenlet that dies holding the lock leaves it locked.
 *
 * <p>Hub-local: other threads get a {@link WrongThreadException}.
 */
public class RLock {
    private final Hub hub;
    private final WaitList waiters = new WaitList();
    private Strand owner;
    private int holds;

    /** An unlocked lock on the current hub. */
    public RLock() {
        this.hub = Hub.current();
    }

    /**
     * Acquires the lock, waiting as long as needed; returns at once if the caller owns it already.
     *
     * @throws InterruptedException if interrupted while waiting
     */
    public void acquire() throws InterruptedException {
        acquire(null);
    }

    /**
     * Acquires the lock, waiting at most {@code timeout}.
     *
     * @param timeout the longest wait, or {@code null} for no limit; zero or negative does not wait
     * @return true if the caller now holds it, false on timeout
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean acquire(Duration timeout) throws InterruptedException {
        Strand me = HubLocal.strand(hub, this);
        if (tryTake(me)) {
            return true;
        }
        if (timeout != null && !timeout.isPositive()) {
            return false;
        }
        // release() hands ownership over: a fulfilled waiter owns the lock with one hold
        return waiters.await(new Waiter(me), this, timeout);
    }

    /**
     * Acquires the lock if it is free or already the caller's, without waiting.
     *
     * @return true if the caller now holds it
     */
    public boolean tryAcquire() {
        return tryTake(HubLocal.strand(hub, this));
    }

    private boolean tryTake(Strand me) {
        if (owner == me) {
            if (holds == Integer.MAX_VALUE) {
                throw new IllegalStateException("gevent4j: " + this + " was acquired too many times");
            }
            holds++;
            return true;
        }
        if (owner == null) {
            owner = me;
            holds = 1;
            return true;
        }
        return false;
    }

    /**
     * Acquires the lock and returns a {@link Held} that releases it when closed:
     * {@code try (var held = lock.acquired()) { ... }}.
     *
     * @return the held lock
     * @throws InterruptedException if interrupted while waiting
     */
    public Held acquired() throws InterruptedException {
        acquire(null);
        return new Held(this::release);
    }

    /**
     * Releases one hold; the last one passes the lock to the first waiter, or unlocks it.
     *
     * @throws IllegalMonitorStateException if the caller does not own the lock
     */
    public void release() {
        Strand me = HubLocal.strand(hub, this);
        checkOwner(me, "release");
        if (--holds == 0) {
            passOn();
        }
    }

    private void passOn() {
        Waiter next = waiters.peekLive();
        if (next == null) {
            owner = null;
            return;
        }
        waiters.remove(next);
        owner = next.strand();
        holds = 1;
        WaitList.fulfil(next);
    }

    void checkOwner(Strand me, String action) {
        if (owner != me) {
            throw new IllegalMonitorStateException("gevent4j: " + me.name() + " cannot " + action + " " + this
                    + (owner == null ? ": it is not locked" : ": it is held by " + owner.name())
                    + "; only the greenlet that acquired it may release it");
        }
    }

    /** Releases every hold of {@code me} (for {@link Condition#await}); returns how many there were. */
    int releaseAll(Strand me, String action) {
        checkOwner(me, action);
        int n = holds;
        holds = 0;
        passOn();
        return n;
    }

    /**
     * Takes the lock back with {@code n} holds after a condition wait, whatever happens meanwhile: an
     * interrupt is re-asserted afterwards, an exception raised into the caller is returned so that the
     * caller throws it once it holds the lock again.
     */
    Throwable reacquire(Strand me, int n) {
        Throwable raised = null;
        boolean interrupted = false;
        while (true) {
            try {
                if (tryTake(me) || waiters.await(new Waiter(me), this, null)) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (Throwable t) {
                if (raised == null) {
                    raised = t;
                } else if (raised != t) {
                    raised.addSuppressed(t);
                }
            }
        }
        holds = n;
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return raised;
    }

    Hub hub() {
        return hub;
    }

    /** {@return true if some greenlet holds it} */
    public boolean locked() {
        HubLocal.strand(hub, this);
        return owner != null;
    }

    /** {@return true if the calling greenlet (or hub thread) holds it (Python's {@code _is_owned})} */
    public boolean isHeldByCurrent() {
        return owner == HubLocal.strand(hub, this);
    }

    /** {@return how many times the owner has acquired it and not yet released it; 0 when unlocked} */
    public int holdCount() {
        HubLocal.strand(hub, this);
        return holds;
    }

    /** {@return the number of greenlets waiting for it} */
    public int waiting() {
        HubLocal.strand(hub, this);
        return waiters.size();
    }

    @Override
    public String toString() {
        Strand o = owner;
        return "RLock[" + (o == null ? "unlocked" : "held by " + o.name() + " x" + holds) + ", "
                + waiters.size() + " waiting]";
    }
}
