package io.gevent4j;

import io.gevent4j.event.AsyncResult;
import io.gevent4j.threadpool.ThreadPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** threadpool.ThreadPool: real blocking work on platform threads while the hub keeps running. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ThreadPoolTest extends HubTestSupport {

    @Test
    void aRealBlockingSleepOnAWorkerDoesNotStopTheHub() throws Exception {
        Thread hubThread = Thread.currentThread();
        java.util.concurrent.CountDownLatch threeTicks = new java.util.concurrent.CountDownLatch(3);
        AsyncResult<String> result = ThreadPool.ofCurrentHub().spawn(() -> {
            // real blocking calls: they would freeze the hub if they ran on its thread
            assertTrue(threeTicks.await(20, TimeUnit.SECONDS), "the hub did not tick while the worker blocked");
            Thread.sleep(200);
            Thread me = Thread.currentThread();
            return (me.isVirtual() ? "virtual" : "platform") + (me == hubThread ? " hub" : " worker");
        });
        List<Long> ticks = new ArrayList<>();
        Greenlet<Void> ticker = Gevent.spawn(() -> {
            while (!result.ready()) {
                ticks.add(System.nanoTime());
                threeTicks.countDown();
                Gevent.sleep(10);
            }
        });
        assertEquals("platform worker", result.get());
        ticker.join();
        assertTrue(ticks.size() >= 3, "the hub kept ticking while the worker slept: " + ticks.size() + " ticks");
    }

    @Test
    void applyWaitsCooperativelyAndPassesFailuresOn() throws Exception {
        ThreadPool pool = ThreadPool.ofCurrentHub();
        assertSame(pool, ThreadPool.ofCurrentHub());
        Greenlet<Integer> g = Gevent.spawn(() -> pool.apply(() -> 6 * 7));
        assertEquals(42, g.get());
        IllegalStateException cause = new IllegalStateException("worker failed");
        ExecutionException e = assertThrows(ExecutionException.class, () -> pool.apply(() -> {
            throw cause;
        }));
        assertSame(cause, e.getCause());
    }

    @Test
    void aPoolOfItsOwnRunsTasksInParallel() throws Exception {
        try (ThreadPool pool = new ThreadPool(2)) {
            assertEquals(2, pool.maxThreads());
            java.util.concurrent.CyclicBarrier both = new java.util.concurrent.CyclicBarrier(2);
            AsyncResult<Integer> a = pool.spawn(() -> both.await(10, TimeUnit.SECONDS));
            AsyncResult<Integer> b = pool.spawn(() -> both.await(10, TimeUnit.SECONDS));
            assertEquals(1, a.get() + b.get(), "both met at the barrier: they ran at the same time");
        }
        assertThrows(IllegalArgumentException.class, () -> new ThreadPool(0));
    }
}
