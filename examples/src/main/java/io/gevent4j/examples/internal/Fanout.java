package io.gevent4j.examples.internal;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.pool.Pool;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * The one place where the examples fan work out to greenlets: {@link #map} and {@link #unordered}
 * run a blocking function over a list in a {@link Pool} (at most N greenlets at once), and
 * {@link #inHub} makes sure there is a hub to run them.
 */
public final class Fanout {
    private Fanout() {
    }

    /**
     * The work done for one item: plain blocking code. It should turn expected failures into its
     * result; anything it throws stops the whole map (a bug).
     *
     * @param <I> the item type
     * @param <R> the result type
     */
    @FunctionalInterface
    public interface Work<I, R> {
        /**
         * Does the work for one item.
         *
         * @param item the item
         * @return its result
         * @throws InterruptedException if interrupted
         */
        R apply(I item) throws InterruptedException;
    }

    /**
     * Applies {@code work} to every item, at most {@code concurrency} at once, each in a greenlet of
     * the current hub; waits for all.
     *
     * @param items the items
     * @param concurrency the most greenlets at once, at least 1
     * @param work the work
     * @param <I> the item type
     * @param <R> the result type
     * @return the results, in the order of the items
     * @throws InterruptedException if interrupted
     */
    public static <I, R> List<R> map(List<I> items, int concurrency, Work<I, R> work) throws InterruptedException {
        Pool pool = new Pool(concurrency);
        try {
            return pool.map(work::apply, items);
        } finally {
            pool.kill();
        }
    }

    /**
     * Applies {@code work} to every item, at most {@code concurrency} at once, each in a greenlet of
     * the current hub, and yields the results as they finish (gevent's {@code imap_unordered}). If
     * {@code work} throws (a bug), iterating raises it and the items not started yet are dropped.
     *
     * @param items the items
     * @param concurrency the most greenlets at once, at least 1
     * @param work the work
     * @param <I> the item type
     * @param <R> the result type
     * @return the results, in the order they finish; iterable once
     */
    public static <I, R> Iterable<R> unordered(List<I> items, int concurrency, Work<I, R> work) {
        return new Pool(concurrency).imapUnordered(work::apply, items);
    }

    /**
     * Runs {@code main} in a greenlet: directly when the caller already is one (under the agent,
     * {@code main} is), else in a new greenlet of the calling thread's hub, driving the hub until it
     * returns.
     *
     * @param main the work
     * @param <T> the result type
     * @return its result
     * @throws Exception what {@code main} throws
     */
    public static <T> T inHub(Callable<T> main) throws Exception {
        return Greenlet.current() != null ? main.call() : Gevent.run(main);
    }
}
