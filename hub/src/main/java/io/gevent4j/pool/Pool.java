package io.gevent4j.pool;

import io.gevent4j.lock.Semaphore;

import java.time.Duration;

/**
 * A {@link Group} with at most {@code size} members at once (gevent's {@code gevent.pool.Pool}):
 * {@link #spawn} waits for room while the pool is full, so a pool caps how many greenlets run a kind
 * of work concurrently (connections, downloads). Spawners waiting for room are served in FIFO order.
 * <pre>{@code
 * Pool pool = new Pool(10);
 * for (String url : urls) {
 *     pool.spawn(() -> download(url));   // waits while 10 downloads run
 * }
 * pool.join();
 * }</pre>
 * gevent's {@code pool.size} is {@link #capacity()} here; {@link #size()} is the number of members
 * (gevent's {@code len(pool)}), as for any Java collection. Hub-local, like every group.
 */
public class Pool extends Group {
    private final int capacity;
    private final Semaphore slots;

    /**
     * A pool of at most {@code size} members, on the current hub.
     *
     * @param size the most members at once, 1 or more
     */
    public Pool(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("gevent4j: a Pool needs a size of 1 or more, got " + size
                    + "; use a Group for no limit");
        }
        this.capacity = size;
        this.slots = new Semaphore(size);
    }

    @Override
    boolean acquireSlot(Duration timeout) throws InterruptedException {
        return slots.acquire(timeout);
    }

    @Override
    void releaseSlot() {
        slots.release();
    }

    /** {@return the most members at once (gevent's {@code pool.size})} */
    public int capacity() {
        return capacity;
    }

    /** {@return true if a spawn would wait for room} */
    @Override
    public boolean full() {
        return slots.counter() <= 0;
    }

    /** {@return how many more members fit without waiting (gevent's {@code free_count()})} */
    @Override
    public int freeCount() {
        return Math.max(0, slots.counter());
    }

    /**
     * Waits until a spawn would not wait (gevent's {@code wait_available}). Another greenlet may take
     * the room before the caller spawns.
     *
     * @param timeout the longest wait, or {@code null}
     * @return the number of free places: positive, or 0 on timeout
     * @throws InterruptedException if interrupted
     */
    @Override
    public int waitAvailable(Duration timeout) throws InterruptedException {
        return slots.awaitAvailable(timeout);
    }

    @Override
    public String toString() {
        return "Pool[" + memberCount() + " of " + capacity + " busy]";
    }
}
