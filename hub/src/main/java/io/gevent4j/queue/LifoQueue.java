package io.gevent4j.queue;

/**
 * A last-in, first-out {@link Queue} (gevent's {@code LifoQueue}): {@link #get()} returns the item put
 * most recently. Everything else (bounds, waiting, fairness between waiters, shutdown) is as for
 * {@link Queue}.
 *
 * @param <T> the item type
 */
public class LifoQueue<T> extends Queue<T> {
    /** An unbounded LIFO queue on the current hub. */
    public LifoQueue() {
        this(0);
    }

    /**
     * A LIFO queue of at most {@code maxsize} items.
     *
     * @param maxsize the most items it holds; zero or less means unbounded
     */
    public LifoQueue(int maxsize) {
        super(capacityOf(maxsize), Store.lifo());
    }
}
