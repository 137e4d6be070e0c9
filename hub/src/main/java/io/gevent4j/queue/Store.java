package io.gevent4j.queue;

import java.util.ArrayDeque;
import java.util.Comparator;

/**
 * Where a queue keeps the items no getter has taken yet; the order of the store is the order of the
 * queue (gevent's {@code _init/_put/_get/_peek}). Package-private: the queue classes choose one.
 */
abstract class Store<T> {
    abstract void add(T item);

    /** {@return the next item, or {@code null} if empty} */
    abstract T poll();

    /** {@return the next item without removing it, or {@code null} if empty} */
    abstract T peek();

    abstract int size();

    abstract void clear();

    /** Rejects an item this store could never order, before it is handed to anyone. */
    void check(T item) {
    }

    static <T> Store<T> fifo() {
        return new Fifo<>();
    }

    static <T> Store<T> lifo() {
        return new Lifo<>();
    }

    static <T> Store<T> priority(Comparator<? super T> order) {
        return new Priority<>(order);
    }

    private static final class Fifo<T> extends Store<T> {
        private final ArrayDeque<T> items = new ArrayDeque<>();

        @Override
        void add(T item) {
            items.addLast(item);
        }

        @Override
        T poll() {
            return items.pollFirst();
        }

        @Override
        T peek() {
            return items.peekFirst();
        }

        @Override
        int size() {
            return items.size();
        }

        @Override
        void clear() {
            items.clear();
        }
    }

    private static final class Lifo<T> extends Store<T> {
        private final ArrayDeque<T> items = new ArrayDeque<>();

        @Override
        void add(T item) {
            items.addFirst(item);
        }

        @Override
        T poll() {
            return items.pollFirst();
        }

        @Override
        T peek() {
            return items.peekFirst();
        }

        @Override
        int size() {
            return items.size();
        }

        @Override
        void clear() {
            items.clear();
        }
    }

    private static final class Priority<T> extends Store<T> {
        private final java.util.PriorityQueue<T> items;
        private final boolean natural;

        Priority(Comparator<? super T> order) {
            this.items = new java.util.PriorityQueue<>(order);
            this.natural = order == null;
        }

        @Override
        void check(T item) {
            if (natural && !(item instanceof Comparable<?>)) {
                throw new ClassCastException("gevent4j: a PriorityQueue without a Comparator orders its items by their"
                        + " natural order, and " + item.getClass().getName() + " is not Comparable; give the queue a"
                        + " Comparator");
            }
        }

        @Override
        void add(T item) {
            items.add(item);
        }

        @Override
        T poll() {
            return items.poll();
        }

        @Override
        T peek() {
            return items.peek();
        }

        @Override
        int size() {
            return items.size();
        }

        @Override
        void clear() {
            items.clear();
        }
    }
}
