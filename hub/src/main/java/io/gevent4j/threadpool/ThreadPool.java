package io.gevent4j.threadpool;

import io.gevent4j.Hub;
import io.gevent4j.core.Carrier;
import io.gevent4j.internal.loop.Loop;
import io.gevent4j.event.AsyncResult;

import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Real platform threads for work that must not run on a hub: CPU-heavy code and calls that truly
 * block (file I/O, {@code System.in}, DNS, native libraries) — gevent's {@code gevent.threadpool},
 * asyncio's {@code run_in_executor}. A greenlet that waits for the result parks; its hub keeps running
 * the other greenlets meanwhile.
 *
 * <p>{@link #spawn} and {@link #apply} are called from a hub (a greenlet or the hub's thread); the
 * result comes back to that hub. Worker threads are daemons, started on demand up to
 * {@code maxThreads} and ended after 10 s idle.
 */
public final class ThreadPool implements AutoCloseable {
    private static final AtomicInteger POOLS = new AtomicInteger();
    private static final int DEFAULT_THREADS = 10;

    private final ThreadPoolExecutor executor;
    private final int maxThreads;

    /**
     * Creates a pool.
     *
     * @param maxThreads the most worker threads at once
     */
    public ThreadPool(int maxThreads) {
        if (maxThreads < 1) {
            throw new IllegalArgumentException("maxThreads must be at least 1, got " + maxThreads);
        }
        this.maxThreads = maxThreads;
        int pool = POOLS.incrementAndGet();
        AtomicInteger workers = new AtomicInteger();
        ThreadFactory factory = r -> Thread.ofPlatform().daemon(true)
                .name("gevent4j-threadpool-" + pool + "-" + workers.incrementAndGet()).unstarted(r);
        this.executor = new ThreadPoolExecutor(maxThreads, maxThreads, 10, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), factory);
        executor.allowCoreThreadTimeOut(true);
    }

    /**
     * The default thread pool of the calling thread's hub (gevent's {@code get_hub().threadpool}): 10
     * threads, made on first use and closed with the hub. The patch agent offloads file I/O and DNS to
     * it. Call it on the hub (its thread or one of its greenlets).
     *
     * @return the pool
     */
    public static ThreadPool ofCurrentHub() {
        Hub.current(); // the hub exists (made on first use), so that the pool closes with it
        return Loop.current().attachment(ThreadPool.class, () -> new ThreadPool(DEFAULT_THREADS));
    }

    /** {@return the most worker threads at once} */
    public int maxThreads() {
        return maxThreads;
    }

    /** {@return tasks running or queued right now} */
    public int pending() {
        return executor.getActiveCount() + executor.getQueue().size();
    }

    /**
     * Runs {@code task} on a worker thread; the result arrives on the calling hub.
     *
     * @param task the work
     * @param <T> the result type
     * @return the result, set on the calling hub when the task ends (with its exception if it fails)
     */
    public <T> AsyncResult<T> spawn(Callable<T> task) {
        Objects.requireNonNull(task, "task");
        Hub hub = Hub.current();
        Carrier carrier = Loop.current().carrier();
        AsyncResult<T> result = new AsyncResult<>(hub);
        carrier.retainExternal();
        try {
            executor.execute(() -> {
                T value = null;
                Throwable error = null;
                try {
                    value = task.call();
                } catch (Throwable t) {
                    error = t;
                }
                T finalValue = value;
                Throwable finalError = error;
                // released on the hub, together with the result, so that the hub never sees
                // "no outstanding work" while the result is still on its way
                carrier.execute(() -> {
                    carrier.releaseExternal();
                    if (finalError != null) {
                        result.setException(finalError);
                    } else {
                        result.set(finalValue);
                    }
                });
            });
        } catch (RuntimeException rejected) {
            carrier.releaseExternal();
            throw rejected;
        }
        return result;
    }

    /**
     * Runs {@code task} on a worker thread and waits for it cooperatively.
     *
     * @param task the work
     * @param <T> the result type
     * @return its result
     * @throws ExecutionException with the task's exception as cause
     * @throws InterruptedException if the waiting greenlet is interrupted
     */
    public <T> T apply(Callable<T> task) throws ExecutionException, InterruptedException {
        return spawn(task).get();
    }

    /** Stops accepting work; running tasks finish. */
    @Override
    public void close() {
        executor.shutdown();
    }

    @Override
    public String toString() {
        return "ThreadPool[max " + maxThreads + ", " + pending() + " pending]";
    }
}
