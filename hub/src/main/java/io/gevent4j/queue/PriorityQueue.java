package io.gevent4j.queue;

import java.util.Comparator;

/**
 * A {@link Queue} that returns its smallest item first (gevent's {@code PriorityQueue}), by a
 * {@link Comparator} or by the items' natural order. Items of equal priority come out in no
 * particular order, as with {@link java.util.PriorityQueue} and Python's {@code heapq}: add a sequence
 * number to the key if ties must be FIFO. An item put while a getter waits (the queue is then empty)
 * goes straight to that getter. Everything else is as for {@link Queue}.
 *
 * @param <T> the item type
 */
public class PriorityQueue<T> extends Queue<T> {
    /** An unbounded queue ordered by the items' natural order (they must be {@link Comparable}). */
    public PriorityQueue() {
        this(0, null);
    }

    /**
     * An unbounded queue ordered by {@code order}.
     *
     * @param order the order, smallest first; {@code null} for the natural order
     */
    public PriorityQueue(Comparator<? super T> order) {
        this(0, order);
    }

    /**
     * A queue of at most {@code maxsize} items ordered by {@code order}.
     *
     * @param maxsize the most items it holds; zero or less means unbounded
     * @param order the order, smallest first; {@code null} for the natural order
     */
    public PriorityQueue(int maxsize, Comparator<? super T> order) {
        super(capacityOf(maxsize), Store.priority(order));
    }
}
