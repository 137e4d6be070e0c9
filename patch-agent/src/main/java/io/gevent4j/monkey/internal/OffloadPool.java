package io.gevent4j.monkey.internal;

import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The agent's own threads for blocking JDK calls made in greenlets (file opens, reads and writes of
 * regular files, metadata, DNS, process starts): elastic, separate from {@code ThreadPool.ofCurrentHub()}
 * (gevent's 10-thread user pool), so that user {@code ThreadPool} work and offloaded I/O cannot starve
 * each other.
 *
 * <p>A call never waits behind another while fewer than {@link #maxThreads()} run: a task is handed to
 * an idle worker if one is waiting, otherwise a new worker starts. That matters because an offloaded
 * call may block for ever (a FIFO open with no writer): with a fixed pool of 10, the eleventh such
 * open would wait behind the first ten. Beyond the bound ({@value #DEFAULT_MAX_THREADS} by default,
 * system property {@code gevent4j.offloadThreads}) tasks queue in arrival order. Workers are daemon
 * platform threads named {@code gevent4j-offload-N} and end after {@value #KEEP_ALIVE_SECONDS} s idle.
 *
 * <p>Invariant, under {@link #lock}: every queued task is matched by a waiting worker or by a worker
 * started for it, as long as fewer than the bound run ({@code queue.size() <= waiting} after each
 * {@link #execute}, else a worker is started).
 */
final class OffloadPool {
    static final int DEFAULT_MAX_THREADS = 256;
    static final long KEEP_ALIVE_SECONDS = 10;
    static final String MAX_THREADS_PROPERTY = "gevent4j.offloadThreads";

    private static final OffloadPool SHARED = new OffloadPool(maxThreadsFromProperty());

    private final int maxThreads;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition available = lock.newCondition();
    private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
    private final AtomicInteger names = new AtomicInteger();
    private int threads;
    private int waiting;
    private int busiest;

    OffloadPool(int maxThreads) {
        if (maxThreads < 1) {
            throw new IllegalArgumentException("the offload pool needs at least 1 thread, got " + maxThreads);
        }
        this.maxThreads = maxThreads;
    }

    /** {@return the pool every patch offloads to} */
    static OffloadPool shared() {
        return SHARED;
    }

    private static int maxThreadsFromProperty() {
        String text = System.getProperty(MAX_THREADS_PROPERTY);
        if (text == null || text.isBlank()) {
            return DEFAULT_MAX_THREADS;
        }
        try {
            int value = Integer.parseInt(text.trim());
            if (value >= 1) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below, with what to do
        }
        throw new IllegalStateException("gevent4j: -D" + MAX_THREADS_PROPERTY + "=" + text
                + " is not a positive number of threads; give e.g. -D" + MAX_THREADS_PROPERTY + "=" + DEFAULT_MAX_THREADS);
    }

    /** {@return the most worker threads at once} */
    int maxThreads() {
        return maxThreads;
    }

    /** {@return the workers alive now} */
    int threads() {
        lock.lock();
        try {
            return threads;
        } finally {
            lock.unlock();
        }
    }

    /** {@return the most workers alive at once so far (for tests and diagnosis)} */
    int busiest() {
        lock.lock();
        try {
            return busiest;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs {@code task} on a worker: an idle one, else a new one while fewer than the bound run, else
     * the first that becomes free.
     *
     * @param task the work; it must not throw (the caller's task reports its own outcome)
     */
    void execute(Runnable task) {
        lock.lock();
        try {
            queue.addLast(task);
            if (queue.size() > waiting && threads < maxThreads) {
                startWorker();
            }
            available.signal();
        } finally {
            lock.unlock();
        }
    }

    private void startWorker() {
        try {
            // Started by the builder (JDK code), so that the opt-in threads patch leaves it a platform thread.
            Thread.ofPlatform().daemon(true).name("gevent4j-offload-" + names.incrementAndGet()).start(this::work);
        } catch (OutOfMemoryError | RuntimeException e) {
            if (threads == 0) {
                queue.pollLast();
                throw new RejectedExecutionException("gevent4j: the offload pool cannot start a thread (" + e
                        + "); lower -D" + MAX_THREADS_PROPERTY, e);
            }
            return; // the running workers take the task when they are free
        }
        threads++;
        busiest = Math.max(busiest, threads);
    }

    private void work() {
        while (true) {
            Runnable task;
            lock.lock();
            try {
                while (queue.isEmpty()) {
                    boolean signalled;
                    waiting++;
                    try {
                        signalled = available.await(KEEP_ALIVE_SECONDS, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        // an interrupt aimed at a finished call: clear it and keep serving
                        signalled = true;
                    } finally {
                        waiting--;
                    }
                    if (!signalled && queue.isEmpty()) {
                        threads--;
                        return;
                    }
                }
                task = queue.pollFirst();
            } finally {
                lock.unlock();
            }
            task.run();
            Thread.interrupted(); // an interrupt meant for this task must not reach the next one
        }
    }

    @Override
    public String toString() {
        lock.lock();
        try {
            return "OffloadPool[max " + maxThreads + ", " + threads + " threads, " + waiting + " idle, "
                    + queue.size() + " queued]";
        } finally {
            lock.unlock();
        }
    }
}
