package io.gevent4j.internal.loop;

import io.gevent4j.core.Strand;

import java.time.Duration;

/**
 * A FIFO list of {@link Waiter}s: the getters, putters or acquirers of a queue, a lock or a pool. The
 * list is intrusive (each waiter is its own node), so adding, handing over to the first waiter and
 * removing a waiter that gave up are all O(1) and allocate nothing. Hub thread only, no locking.
 *
 * <h2>Hand-off</h2>
 * The strand that makes progress possible completes the operation on behalf of the first waiter
 * ({@link #fulfilFirst}: the item is handed over, the permit granted) and unparks it, so a waiter never
 * has to compete again for what it waited for, and waiters are served strictly in FIFO order. A
 * waiter whose strand already has an exception pending (a {@link io.gevent4j.Timeout} that fired, a
 * kill) is passed over: it is about to leave.
 *
 * <h2>A wake-up racing an exception</h2>
 * If a waiter is fulfilled and, before it runs again, an exception is raised into it (a Timeout, a
 * kill) or it is interrupted, the operation has happened and must not be undone or lost:
 * {@link #await} then returns normally, re-asserts the interrupt status, and re-raises the exception at
 * the strand's next wait (where a Timeout that has been closed meanwhile withdraws it). This is the
 * JDK's rule for {@code SynchronousQueue}: an operation that completed is reported as completed.
 */
public final class WaitList {
    private Waiter head;
    private Waiter tail;
    private int size;

    /** An empty list. */
    public WaitList() {
    }

    /** {@return the number of waiters, including any about to leave} */
    public int size() {
        return size;
    }

    /** {@return true if nobody waits} */
    public boolean isEmpty() {
        return size == 0;
    }

    /**
     * Appends a waiter.
     *
     * @param w a waiter in no list
     */
    public void add(Waiter w) {
        if (w.list != null) {
            throw new IllegalStateException(w + " is already waiting in a list");
        }
        w.list = this;
        w.prev = tail;
        w.next = null;
        if (tail == null) {
            head = w;
        } else {
            tail.next = w;
        }
        tail = w;
        size++;
    }

    /**
     * Removes a waiter if it is in this list.
     *
     * @param w the waiter
     * @return true if it was here
     */
    public boolean remove(Waiter w) {
        if (w.list != this) {
            return false;
        }
        Waiter p = w.prev;
        Waiter n = w.next;
        if (p == null) {
            head = n;
        } else {
            p.next = n;
        }
        if (n == null) {
            tail = p;
        } else {
            n.prev = p;
        }
        w.prev = null;
        w.next = null;
        w.list = null;
        size--;
        return true;
    }

    /**
     * The first waiter that is not about to leave, without removing it.
     *
     * @return the waiter, or {@code null}
     */
    public Waiter peekLive() {
        for (Waiter w = head; w != null; w = w.next) {
            if (w.strand.pendingThrow() == null) {
                return w;
            }
        }
        return null;
    }

    /**
     * Removes the first waiter that is not about to leave, marks it fulfilled with {@code item} and
     * unparks it.
     *
     * @param item what to hand over (for a getter), or {@code null}
     * @return the fulfilled waiter (a putter's offered item is still in {@link Waiter#item()} if
     *         {@code item} is null), or {@code null} if nobody waits
     */
    public Waiter fulfilFirst(Object item) {
        Waiter w = peekLive();
        if (w != null) {
            remove(w);
            if (item != null) {
                w.item = item;
            }
            w.state = Waiter.FULFILLED;
            w.strand.unpark();
        }
        return w;
    }

    /**
     * Marks a waiter that the caller already removed (with {@link #peekLive()} and {@link #remove})
     * as fulfilled and unparks it.
     *
     * @param w the waiter
     */
    public static void fulfil(Waiter w) {
        w.state = Waiter.FULFILLED;
        w.strand.unpark();
    }

    /**
     * Removes every waiter, marks it woken (not fulfilled) and unparks it, in FIFO order: each re-checks
     * its condition when it runs.
     */
    public void wakeAll() {
        Waiter w = head;
        head = null;
        tail = null;
        size = 0;
        while (w != null) {
            Waiter n = w.next;
            w.prev = null;
            w.next = null;
            w.list = null;
            w.state = Waiter.WOKEN;
            w.strand.unpark();
            w = n;
        }
    }

    /**
     * Adds {@code w} and parks its strand (the current one) until it is fulfilled or woken, or until
     * {@code timeout} passes. On return or exception the waiter is no longer in the list.
     *
     * @param w a new waiter for the current strand
     * @param blocker what is waited on, shown in dumps and LoopExit messages
     * @param timeout the longest wait, or {@code null} for no limit
     * @return true if fulfilled or woken, false on timeout
     * @throws InterruptedException if interrupted before being fulfilled
     */
    public boolean await(Waiter w, Object blocker, Duration timeout) throws InterruptedException {
        add(w);
        try {
            return Waits.parkUntil(blocker, timeout, w);
        } catch (InterruptedException e) {
            if (w.state == Waiter.FULFILLED) {
                Thread.currentThread().interrupt();
                return true;
            }
            throw e;
        } catch (Throwable raised) {
            if (w.state == Waiter.FULFILLED) {
                redeliverLater(w.strand, raised);
                return true;
            }
            throw raised;
        } finally {
            remove(w);
        }
    }

    /**
     * Makes {@code raised} pending again on the current strand, so that it is thrown at the strand's
     * next wait (or withdrawn by the Timeout that raised it, if the guarded block ends first).
     */
    private static void redeliverLater(Strand me, Throwable raised) {
        me.raise(raised);
    }

    @Override
    public String toString() {
        return size + " waiting";
    }
}
