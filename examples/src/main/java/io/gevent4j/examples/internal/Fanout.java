package io.gevent4j.examples.internal;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one place where the examples fan work out to greenlets: {@link #map} runs a blocking function
 * over a list with at most N greenlets at once, and {@link #inHub} makes sure there is a hub to run
 * them.
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
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1, got " + concurrency);
        }
        int n = items.size();
        List<R> results = new ArrayList<>(Collections.nCopies(n, null));
        AtomicInteger next = new AtomicInteger();
        List<Greenlet<Void>> workers = new ArrayList<>();
        for (int w = 0; w < Math.min(concurrency, n); w++) {
            workers.add(Gevent.spawn(() -> {
                for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                    results.set(i, work.apply(items.get(i)));
                }
            }));
        }
        try {
            Gevent.joinAll(workers, null, true, workers.size());
        } finally {
            Gevent.killAll(workers);
        }
        return results;
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
