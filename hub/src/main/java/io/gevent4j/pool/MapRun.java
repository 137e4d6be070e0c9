package io.gevent4j.pool;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import io.gevent4j.core.GreenletExit;
import io.gevent4j.core.Strand;
import io.gevent4j.internal.HubLocal;
import io.gevent4j.internal.loop.WaitList;
import io.gevent4j.internal.loop.Waiter;
import io.gevent4j.lock.Semaphore;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.CancellationException;

/**
 * One run of {@link Group#map}, {@link Group#imap} or {@link Group#imapUnordered} (gevent's
 * {@code IMapUnordered}): a feeder greenlet, outside the group, reads the items and spawns one member
 * per item (waiting for room in a Pool, and for the consumer when {@code maxsize} results are ahead);
 * each member's death files its greenlet under its index; the consumer takes them in item order or in
 * completion order.
 *
 * <p>Failures: a member's failure is observed here (so not printed) and raised to the consumer in its
 * turn; after the consumer has stopped (it took a failure), later failures are left to the hub's normal
 * reporting, and failures already filed but never taken are reported, so that none is lost.
 */
final class MapRun<A, R> implements Iterator<R> {
    private final Group group;
    private final Hub hub;
    private final ThrowingFunction<? super A, ? extends R> fn;
    private final boolean ordered;
    private final Semaphore window;
    private final HashMap<Integer, Greenlet<R>> finishedByIndex = new HashMap<>();
    private final ArrayDeque<Greenlet<R>> finishedInOrder = new ArrayDeque<>();
    private final WaitList consumer = new WaitList();
    private final Greenlet<Void> feeder;
    private int spawned;
    private int delivered;
    private boolean inputDone;
    private Throwable inputFailure;
    private boolean stopped;
    private boolean iterated;
    private Greenlet<R> pending;
    private Throwable pendingFailure;

    MapRun(Group group, ThrowingFunction<? super A, ? extends R> fn, Iterable<? extends A> items, boolean ordered,
           int maxsize) {
        java.util.Objects.requireNonNull(fn, "fn");
        java.util.Objects.requireNonNull(items, "items");
        if (maxsize < 0) {
            throw new IllegalArgumentException("gevent4j: maxsize must be 0 (no limit) or more, got " + maxsize);
        }
        this.group = group;
        this.hub = group.hub;
        HubLocal.strand(hub, group);
        this.fn = fn;
        this.ordered = ordered;
        this.window = maxsize > 0 ? new Semaphore(maxsize) : null;
        Iterator<? extends A> input = items.iterator();
        this.feeder = Gevent.spawn(() -> feed(input));
        feeder.name((ordered ? "imap" : "imapUnordered") + " feeder of " + group);
    }

    Iterable<R> once() {
        return () -> {
            if (iterated) {
                throw new IllegalStateException("gevent4j: the results of imap/imapUnordered can be iterated only once;"
                        + " collect them into a list to read them again");
            }
            iterated = true;
            return this;
        };
    }

    private void feed(Iterator<? extends A> input) {
        Strand me = Strand.current();
        try {
            while (!stopped && input.hasNext()) {
                me.throwPending(); // a kill deferred by a completed wait stops the feeding here
                A item = input.next();
                if (window != null) {
                    window.acquire();
                }
                int index = spawned;
                Greenlet<R> g = group.spawn(() -> fn.apply(item));
                spawned++;
                g.rawlink(w -> finished(index, g));
            }
        } catch (GreenletExit exit) {
            throw exit;
        } catch (Throwable t) {
            inputFailure = t;
        } finally {
            inputDone = true;
            wakeConsumer();
        }
    }

    private void finished(int index, Greenlet<R> g) {
        if (stopped) {
            return; // nobody will take it: a failure stays unobserved and the hub reports it
        }
        g.exception(); // observed: the consumer raises it in its turn
        if (g.killed() && !feeder.dead() && Greenlet.current() != feeder) {
            // the consumer stops at this result: spawn no more (else group.kill() would chase the feeder forever)
            feeder.cancel(true);
        }
        if (ordered) {
            finishedByIndex.put(index, g);
        } else {
            finishedInOrder.add(g);
        }
        wakeConsumer();
    }

    private void wakeConsumer() {
        if (!consumer.isEmpty()) {
            consumer.wakeAll();
        }
    }

    /**
     * Waits until the next result (or failure) is there.
     *
     * @return false at the end
     */
    boolean advance() throws InterruptedException {
        Strand me = HubLocal.strand(hub, group);
        while (true) {
            if (pending != null || pendingFailure != null) {
                return true;
            }
            if (stopped) {
                return false;
            }
            Greenlet<R> g = ordered ? finishedByIndex.remove(delivered) : finishedInOrder.poll();
            if (g != null) {
                pending = g;
                return true;
            }
            if (inputDone && delivered == spawned) {
                if (inputFailure != null) {
                    pendingFailure = inputFailure;
                    inputFailure = null;
                    return true;
                }
                stopped = true;
                return false;
            }
            consumer.await(new Waiter(me), this, null);
        }
    }

    /** Takes the result found by {@link #advance()}, raising it if it is a failure. */
    R take() {
        if (pendingFailure != null) {
            Throwable failure = pendingFailure;
            pendingFailure = null;
            stop();
            throw Group.rethrowable(failure);
        }
        Greenlet<R> g = pending;
        pending = null;
        delivered++;
        if (window != null) {
            window.release();
        }
        Throwable failure = g.exception();
        if (failure != null) {
            stop();
            throw Group.rethrowable(failure);
        }
        if (g.killed()) {
            stop();
            throw new CancellationException("gevent4j: " + g.name() + " was killed before it produced result #"
                    + (ordered ? delivered - 1 : delivered - 1 + " (in completion order)"));
        }
        return g.value();
    }

    /** Ends the run after a failure or an abandoned map: stops spawning and reports failures nobody will take. */
    void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        if (!feeder.dead()) {
            feeder.cancel(true);
        }
        for (Greenlet<R> g : ordered ? finishedByIndex.values() : finishedInOrder) {
            Throwable e = g.exception();
            if (e != null) {
                hub.reportError(g + " (a result of imap/map that was never taken)", e);
            }
        }
        finishedByIndex.clear();
        finishedInOrder.clear();
    }

    @Override
    public boolean hasNext() {
        try {
            return advance();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public R next() {
        if (!hasNext()) {
            throw new NoSuchElementException("gevent4j: no more results in this imap");
        }
        return take();
    }

    @Override
    public String toString() {
        return (ordered ? "imap" : "imapUnordered") + " over " + group + " (" + delivered + " of " + spawned
                + " taken" + (inputDone ? "" : ", more to spawn") + ")";
    }
}
