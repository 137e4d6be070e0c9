package io.gevent4j.lock;

import io.gevent4j.Hub;
import io.gevent4j.core.Strand;
import io.gevent4j.internal.HubLocal;
import io.gevent4j.internal.loop.Deadline;
import io.gevent4j.internal.loop.WaitList;
import io.gevent4j.internal.loop.Waiter;

import java.time.Duration;

/**
 * A counting semaphore for greenlets (gevent's {@code gevent.lock.Semaphore}): {@link #acquire()}
 * takes a permit, waiting cooperatively while there is none; {@link #release()} gives one back.
 *
 * <p>Fair: waiters get permits strictly in the order they started waiting. A release hands its permit
 * straight to the first waiter, so a greenlet that arrives later cannot take it first.
 *
 * <p>Hub-local: use it from the hub that created it (its thread and greenlets); any other thread gets a
 * {@link WrongThreadException}. A permit is not owned: any greenlet of the hub may release it (see
 * {@link RLock} for a lock with an owner).
 */
public class Semaphore {
    private final Hub hub;
    private final int bound;
    private int counter;
    private final WaitList acquirers = new WaitList();
    private final WaitList watchers = new WaitList();

    /** A semaphore with one permit (a mutex without an owner). */
    public Semaphore() {
        this(1);
    }

    /**
     * A semaphore with {@code permits} permits, on the current hub.
     *
     * @param permits the initial count, zero or more
     */
    public Semaphore(int permits) {
        this(permits, -1);
    }

    Semaphore(int permits, int bound) {
        if (permits < 0) {
            throw new IllegalArgumentException("gevent4j: a Semaphore needs zero or more permits, got " + permits);
        }
        this.hub = Hub.current();
        this.counter = permits;
        this.bound = bound;
    }

    /**
     * Takes a permit, waiting as long as needed.
     *
     * @throws InterruptedException if interrupted while waiting
     */
    public void acquire() throws InterruptedException {
        acquire(null);
    }

    /**
     * Takes a permit, waiting at most {@code timeout}.
     *
     * @param timeout the longest wait, or {@code null} for no limit; zero or negative does not wait
     * @return true if a permit was taken, false on timeout
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean acquire(Duration timeout) throws InterruptedException {
        Strand me = HubLocal.strand(hub, this);
        if (counter > 0) {
            counter--;
            return true;
        }
        if (timeout != null && !timeout.isPositive()) {
            return false;
        }
        // release() hands the permit over: a fulfilled waiter holds it
        return acquirers.await(new Waiter(me), this, timeout);
    }

    /**
     * Takes a permit if one is free now, without waiting.
     *
     * @return true if taken
     */
    public boolean tryAcquire() {
        HubLocal.strand(hub, this);
        if (counter > 0) {
            counter--;
            return true;
        }
        return false;
    }

    /**
     * Takes a permit and returns a {@link Held} that gives it back when closed:
     * {@code try (var held = sem.acquired()) { ... }}.
     *
     * @return the held permit
     * @throws InterruptedException if interrupted while waiting
     */
    public Held acquired() throws InterruptedException {
        acquire(null);
        return new Held(this::release);
    }

    /**
     * Gives a permit back: to the first waiter if there is one, otherwise to the count.
     *
     * @throws IllegalStateException for a {@link BoundedSemaphore} released more times than acquired
     */
    public void release() {
        HubLocal.strand(hub, this);
        if (acquirers.fulfilFirst(null) != null) {
            return;
        }
        if (bound >= 0 && counter >= bound) {
            throw new IllegalStateException("gevent4j: " + this + " was released more times than it was acquired;"
                    + " each release() must match one acquire() (use try (var held = sem.acquired()) {...})");
        }
        counter++;
        if (!watchers.isEmpty()) {
            watchers.wakeAll();
        }
    }

    /** {@return the number of free permits (gevent's {@code counter})} */
    public int counter() {
        HubLocal.strand(hub, this);
        return counter;
    }

    /** {@return true if no permit is free: an acquire would wait (gevent's {@code locked()})} */
    public boolean locked() {
        HubLocal.strand(hub, this);
        return counter <= 0;
    }

    /** {@return the number of greenlets waiting in {@link #acquire}} */
    public int waiting() {
        HubLocal.strand(hub, this);
        return acquirers.size();
    }

    /**
     * Waits until a permit is free, without taking it (gevent's {@code Semaphore.wait}). Another
     * greenlet may take it before the caller acts on the answer.
     *
     * @param timeout the longest wait, or {@code null} for no limit
     * @return the number of free permits: positive, or 0 on timeout
     * @throws InterruptedException if interrupted while waiting
     */
    public int awaitAvailable(Duration timeout) throws InterruptedException {
        Strand me = HubLocal.strand(hub, this);
        if (counter > 0 || (timeout != null && !timeout.isPositive())) {
            return counter;
        }
        long deadline = Deadline.after(timeout);
        while (counter <= 0) {
            if (Deadline.passed(deadline)) {
                break;
            }
            if (!watchers.await(new Waiter(me), this, Deadline.remaining(deadline))) {
                break;
            }
        }
        return Math.max(counter, 0);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + counter + " free" + (bound >= 0 ? " of " + bound : "") + ", "
                + acquirers.size() + " waiting]";
    }
}
