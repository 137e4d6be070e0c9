package io.gevent4j.queue;

import io.gevent4j.Hub;
import io.gevent4j.core.Strand;
import io.gevent4j.internal.HubLocal;
import io.gevent4j.internal.loop.Deadline;
import io.gevent4j.internal.loop.WaitList;
import io.gevent4j.internal.loop.Waiter;

import java.time.Duration;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * A FIFO queue for greenlets (gevent's {@code gevent.queue.Queue}, with Python 3.13's
 * {@code shutdown}): {@link #put} adds an item, waiting cooperatively for room if the queue is bounded
 * and full; {@link #get} takes the oldest item, waiting cooperatively for one if it is empty.
 *
 * <h2>Semantics</h2>
 * <ul>
 *   <li><b>Size.</b> Unbounded by default; {@code new Queue<>(maxsize)} holds at most {@code maxsize}
 *       items. As in Python, a {@code maxsize} of zero or less means unbounded; a queue of size zero,
 *       where a put waits for a getter, is a {@link Channel}.</li>
 *   <li><b>Waiting.</b> {@code get()} / {@code put(item)} wait as long as needed;
 *       {@code get(timeout)} / {@code put(item, timeout)} wait at most that long and then raise
 *       {@link Empty} / {@link Full}; {@code getNowait()} / {@code putNowait(item)} (or
 *       {@code block = false}, or a timeout of zero) never wait and raise {@link Empty} /
 *       {@link Full} at once. A waiting call throws {@link InterruptedException} if its thread is
 *       interrupted, and lets a {@link io.gevent4j.Timeout} or a kill through.</li>
 *   <li><b>Fairness.</b> Waiting getters and putters are served in the order they started waiting:
 *       an item put while getters wait is handed straight to the oldest one, and room made by a get
 *       goes straight to the oldest waiting putter, so a late arrival can never overtake them.</li>
 *   <li><b>Shutdown.</b> After {@link #shutdown()}, puts raise {@link ShutDown}; gets still return
 *       the items left and raise {@link ShutDown} once the queue is empty. {@link #shutdown(boolean)
 *       shutdown(true)} also discards the items left. Greenlets waiting in put, get or peek wake up
 *       and raise {@link ShutDown}. Iterating over a queue ({@code for (T item : queue)}) gets items
 *       until the queue is shut down and empty.</li>
 *   <li><b>Items</b> must not be {@code null}, as in {@link java.util.concurrent.BlockingQueue}.</li>
 * </ul>
 *
 * <p>Hub-local: use a queue from the hub that created it (its thread and greenlets); any other thread
 * gets a {@link WrongThreadException} at once. Hand items across threads with
 * {@link Hub#callSoonThreadsafe}, or use a {@link java.util.concurrent.BlockingQueue}.
 *
 * @param <T> the item type
 */
public class Queue<T> implements Iterable<T> {
    static final int UNBOUNDED = Integer.MAX_VALUE;

    final Hub hub;
    private final int capacity;
    private final Store<T> items;
    private final WaitList getters = new WaitList();
    private final WaitList putters = new WaitList();
    private final WaitList peekers = new WaitList();
    private boolean shutdown;
    /** A waiter kept from a finished wait, so that a busy queue allocates nothing per wait. */
    private Waiter spare;

    /** An unbounded FIFO queue on the current hub. */
    public Queue() {
        this(0);
    }

    /**
     * A FIFO queue of at most {@code maxsize} items on the current hub.
     *
     * @param maxsize the most items it holds; zero or less means unbounded, as in Python
     */
    public Queue(int maxsize) {
        this(capacityOf(maxsize), Store.fifo());
    }

    Queue(int capacity, Store<T> items) {
        this.hub = Hub.current();
        this.capacity = capacity;
        this.items = items;
    }

    static int capacityOf(int maxsize) {
        return maxsize <= 0 ? UNBOUNDED : maxsize;
    }

    // ---- hooks for JoinableQueue ----------------------------------------------------------------

    /** An item entered the queue's custody (stored, or handed to a getter). */
    void accepted() {
    }

    /** {@code n} items were discarded by {@link #shutdown(boolean) shutdown(true)}. */
    void discarded(int n) {
    }

    // ---- put ------------------------------------------------------------------------------------

    /**
     * Adds {@code item}, waiting as long as needed for room.
     *
     * @param item the item, not null
     * @throws ShutDown if the queue is, or gets, shut down
     * @throws InterruptedException if interrupted while waiting
     */
    public void put(T item) throws InterruptedException {
        put(item, true, null);
    }

    /**
     * Adds {@code item}, waiting at most {@code timeout} for room.
     *
     * @param item the item, not null
     * @param timeout the longest wait, or {@code null} for no limit; zero or negative does not wait
     * @throws Full if there is still no room when the time is up
     * @throws ShutDown if the queue is, or gets, shut down
     * @throws InterruptedException if interrupted while waiting
     */
    public void put(T item, Duration timeout) throws InterruptedException {
        put(item, true, timeout);
    }

    /**
     * Adds {@code item} (gevent's {@code put(item, block, timeout)}).
     *
     * @param item the item, not null
     * @param block whether to wait for room
     * @param timeout when blocking, the longest wait, or {@code null} for no limit
     * @throws Full if there is no room and {@code block} is false, or still none when the time is up
     * @throws ShutDown if the queue is, or gets, shut down
     * @throws InterruptedException if interrupted while waiting
     */
    public void put(T item, boolean block, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(item, "gevent4j: queue items must not be null");
        Strand me = HubLocal.strand(hub, this);
        items.check(item);
        if (offerNow(item)) {
            return;
        }
        if (!block || (timeout != null && !timeout.isPositive())) {
            throw noRoom();
        }
        Waiter w = waiter(me, item);
        if (!peekers.isEmpty()) {
            peekers.wakeAll(); // a Channel's waiting putter offers an item to peek at
        }
        boolean done = putters.await(w, this, timeout);
        boolean fulfilled = w.fulfilled();
        recycle(w);
        if (fulfilled) {
            return; // a getter took the item, or moved it into the queue
        }
        if (!done) {
            throw new Full("gevent4j: no room in " + this + " within " + timeout + "; the item was not put");
        }
        throw shutDown("put"); // putters are woken only by shutdown
    }

    /**
     * Adds {@code item} if that is possible without waiting (gevent's {@code put_nowait}).
     *
     * @param item the item, not null
     * @throws Full if there is no room (for a {@link Channel}: no getter waiting)
     * @throws ShutDown if the queue is shut down
     */
    public void putNowait(T item) {
        Objects.requireNonNull(item, "gevent4j: queue items must not be null");
        HubLocal.strand(hub, this);
        items.check(item);
        if (!offerNow(item)) {
            throw noRoom();
        }
    }

    private Waiter waiter(Strand me, Object item) {
        Waiter w = spare;
        if (w == null) {
            return new Waiter(me, item);
        }
        spare = null;
        return w.reset(me, item);
    }

    /** Keeps a waiter whose wait returned normally (it is in no list and nobody refers to it). */
    private void recycle(Waiter w) {
        w.clear();
        spare = w;
    }

    private boolean offerNow(T item) {
        if (shutdown) {
            throw shutDown("put");
        }
        if (getters.fulfilFirst(item) != null) {
            accepted();
            return true;
        }
        if (items.size() < capacity) {
            items.add(item);
            accepted();
            if (!peekers.isEmpty()) {
                peekers.wakeAll();
            }
            return true;
        }
        return false;
    }

    Full noRoom() {
        return new Full("gevent4j: " + this + " is full; putNowait (or put without blocking) does not wait for room"
                + " (use put(item) or put(item, timeout) to wait)");
    }

    // ---- get ------------------------------------------------------------------------------------

    /**
     * Removes and returns the next item, waiting as long as needed for one.
     *
     * @return the item
     * @throws ShutDown if the queue is shut down and empty, or gets shut down while waiting
     * @throws InterruptedException if interrupted while waiting
     */
    public T get() throws InterruptedException {
        return get(true, null);
    }

    /**
     * Removes and returns the next item, waiting at most {@code timeout} for one.
     *
     * @param timeout the longest wait, or {@code null} for no limit; zero or negative does not wait
     * @return the item
     * @throws Empty if no item came in time
     * @throws ShutDown if the queue is shut down and empty, or gets shut down while waiting
     * @throws InterruptedException if interrupted while waiting
     */
    public T get(Duration timeout) throws InterruptedException {
        return get(true, timeout);
    }

    /**
     * Removes and returns the next item (gevent's {@code get(block, timeout)}).
     *
     * @param block whether to wait for an item
     * @param timeout when blocking, the longest wait, or {@code null} for no limit
     * @return the item
     * @throws Empty if there is no item and {@code block} is false, or none came in time
     * @throws ShutDown if the queue is shut down and empty, or gets shut down while waiting
     * @throws InterruptedException if interrupted while waiting
     */
    @SuppressWarnings("unchecked")
    public T get(boolean block, Duration timeout) throws InterruptedException {
        Strand me = HubLocal.strand(hub, this);
        T item = pollNow();
        if (item != null) {
            return item;
        }
        if (!block || (timeout != null && !timeout.isPositive())) {
            throw shutdown ? shutDown("get") : noItem("getNowait (or get without blocking)");
        }
        long deadline = Deadline.after(timeout);
        while (true) {
            if (shutdown) {
                throw shutDown("get");
            }
            if (Deadline.passed(deadline)) {
                throw timedOut(timeout);
            }
            Waiter w = waiter(me, null);
            boolean done = getters.await(w, this, Deadline.remaining(deadline));
            boolean fulfilled = w.fulfilled();
            item = (T) w.item();
            recycle(w);
            if (fulfilled) {
                return item; // handed over by a putter
            }
            if (!done) {
                throw timedOut(timeout);
            }
            item = pollNow(); // woken by shutdown: items may be left
            if (item != null) {
                return item;
            }
        }
    }

    /**
     * Removes and returns the next item if there is one now (gevent's {@code get_nowait}).
     *
     * @return the item
     * @throws Empty if there is none (for a {@link Channel}: no putter waiting)
     * @throws ShutDown if the queue is shut down and empty
     */
    public T getNowait() {
        HubLocal.strand(hub, this);
        T item = pollNow();
        if (item != null) {
            return item;
        }
        throw shutdown ? shutDown("get") : noItem("getNowait");
    }

    @SuppressWarnings("unchecked")
    private T pollNow() {
        if (items.size() > 0) {
            T item = items.poll();
            Waiter putter = putters.fulfilFirst(null);
            if (putter != null) {
                items.add((T) putter.item()); // its room is taken straight away: no late put can overtake it
                accepted();
            }
            return item;
        }
        Waiter putter = putters.fulfilFirst(null); // a Channel: take the item from the oldest waiting putter
        if (putter != null) {
            accepted();
            return (T) putter.item();
        }
        return null;
    }

    private Empty noItem(String what) {
        return new Empty("gevent4j: " + this + " is empty; " + what + " does not wait for an item"
                + " (use get() or get(timeout) to wait)");
    }

    private Empty timedOut(Duration timeout) {
        return new Empty("gevent4j: no item arrived in " + this + " within " + timeout);
    }

    // ---- peek -----------------------------------------------------------------------------------

    /**
     * Returns the next item without removing it, waiting as long as needed for one.
     *
     * @return the item the next get would return (unless another greenlet takes it first)
     * @throws ShutDown if the queue is shut down and empty, or gets shut down while waiting
     * @throws InterruptedException if interrupted while waiting
     */
    public T peek() throws InterruptedException {
        return peek(true, null);
    }

    /**
     * Returns the next item without removing it (gevent's {@code peek(block, timeout)}).
     *
     * @param block whether to wait for an item
     * @param timeout when blocking, the longest wait, or {@code null} for no limit
     * @return the item the next get would return
     * @throws Empty if there is no item and {@code block} is false, or none came in time
     * @throws ShutDown if the queue is shut down and empty, or gets shut down while waiting
     * @throws InterruptedException if interrupted while waiting
     */
    public T peek(boolean block, Duration timeout) throws InterruptedException {
        Strand me = HubLocal.strand(hub, this);
        long deadline = Deadline.after(timeout);
        while (true) {
            T item = peekNow();
            if (item != null) {
                return item;
            }
            if (shutdown) {
                throw shutDown("peek");
            }
            if (!block || (timeout != null && !timeout.isPositive())) {
                throw noItem("peekNowait (or peek without blocking)");
            }
            if (Deadline.passed(deadline)) {
                throw timedOut(timeout);
            }
            if (!peekers.await(new Waiter(me), this, Deadline.remaining(deadline))) {
                throw timedOut(timeout);
            }
        }
    }

    /**
     * Returns the next item without removing it, if there is one now (gevent's {@code peek_nowait}).
     *
     * @return the item
     * @throws Empty if there is none
     * @throws ShutDown if the queue is shut down and empty
     */
    public T peekNowait() {
        HubLocal.strand(hub, this);
        T item = peekNow();
        if (item != null) {
            return item;
        }
        throw shutdown ? shutDown("peek") : noItem("peekNowait");
    }

    @SuppressWarnings("unchecked")
    private T peekNow() {
        if (items.size() > 0) {
            return items.peek();
        }
        Waiter putter = putters.peekLive();
        return putter == null ? null : (T) putter.item();
    }

    // ---- shutdown -------------------------------------------------------------------------------

    /**
     * Shuts the queue down (Python 3.13's {@code shutdown()}): later puts raise {@link ShutDown};
     * gets return the items left, then raise {@link ShutDown}. Greenlets waiting to put, and those
     * waiting to get or peek at an empty queue, wake up and raise {@link ShutDown}. Calling it again
     * does nothing more.
     */
    public void shutdown() {
        shutdown(false);
    }

    /**
     * Shuts the queue down; with {@code immediate}, also discards every item left, so that gets raise
     * {@link ShutDown} at once (for a {@link JoinableQueue}, the discarded items count as done).
     *
     * @param immediate whether to discard the items left
     */
    public void shutdown(boolean immediate) {
        HubLocal.strand(hub, this);
        shutdown = true;
        if (immediate) {
            int n = items.size();
            items.clear();
            if (n > 0) {
                discarded(n);
            }
        }
        putters.wakeAll();
        getters.wakeAll();
        peekers.wakeAll();
    }

    /** {@return true once {@link #shutdown()} was called} */
    public boolean isShutdown() {
        HubLocal.strand(hub, this);
        return shutdown;
    }

    ShutDown shutDown(String what) {
        return new ShutDown("gevent4j: cannot " + what + ": " + this + " is shut down"
                + (what.equals("put") ? "; it accepts no more items" : " and has no items left"));
    }

    // ---- state ----------------------------------------------------------------------------------

    /** {@return the number of items in the queue; always 0 for a {@link Channel}} */
    public int qsize() {
        HubLocal.strand(hub, this);
        return items.size();
    }

    /** {@return true if it holds no item; always true for a {@link Channel}} */
    public boolean empty() {
        return qsize() == 0;
    }

    /** {@return true if a put would wait; always true for a {@link Channel}} */
    public boolean full() {
        return qsize() >= capacity;
    }

    /** {@return the most items it holds: {@link Integer#MAX_VALUE} if unbounded, 0 for a {@link Channel}} */
    public int maxsize() {
        return capacity;
    }

    /** {@return the number of greenlets waiting in get} */
    public int waitingGetters() {
        HubLocal.strand(hub, this);
        return getters.size();
    }

    /** {@return the number of greenlets waiting in put} */
    public int waitingPutters() {
        HubLocal.strand(hub, this);
        return putters.size();
    }

    /**
     * Iterates by {@link #get()}: each {@code next()} removes the next item, waiting for one; the
     * iteration ends when the queue is shut down and empty (gevent's iteration until
     * {@code StopIteration}). An interrupt ends the iteration and leaves the interrupt status set.
     *
     * @return an iterator that consumes the queue
     */
    @Override
    public Iterator<T> iterator() {
        HubLocal.strand(hub, this);
        return new Iterator<>() {
            private T next;

            @Override
            public boolean hasNext() {
                if (next != null) {
                    return true;
                }
                try {
                    next = get();
                    return true;
                } catch (ShutDown end) {
                    return false;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }

            @Override
            public T next() {
                if (!hasNext()) {
                    throw new NoSuchElementException("gevent4j: " + Queue.this + " is shut down and empty");
                }
                T item = next;
                next = null;
                return item;
            }
        };
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(getClass().getSimpleName()).append('[');
        if (capacity != 0) {
            s.append(items.size()).append(capacity == UNBOUNDED ? " items" : " of " + capacity + " items");
        }
        if (!getters.isEmpty()) {
            s.append(capacity != 0 ? ", " : "").append(getters.size()).append(" getter(s) waiting");
        }
        if (!putters.isEmpty()) {
            s.append(capacity != 0 || !getters.isEmpty() ? ", " : "").append(putters.size()).append(" putter(s) waiting");
        }
        if (capacity == 0 && getters.isEmpty() && putters.isEmpty()) {
            s.append("nobody waiting");
        }
        if (shutdown) {
            s.append(", shut down");
        }
        return s.append(']').toString();
    }
}
