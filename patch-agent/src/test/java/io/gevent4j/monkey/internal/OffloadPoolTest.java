package io.gevent4j.monkey.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The offload pool: a call never waits behind a blocked one below the bound; idle workers are reused. */
@Timeout(30)
class OffloadPoolTest {
    @Test
    void everyBlockedCallHasItsOwnThreadUpToTheBound() throws Exception {
        OffloadPool pool = new OffloadPool(64);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(50);
        for (int i = 0; i < 50; i++) {
            pool.execute(() -> {
                started.countDown();
                await(release);
            });
        }
        // 50 calls blocked at once (as 50 FIFO opens with no writer): none waits for another
        assertTrue(started.await(10, TimeUnit.SECONDS), "only " + (50 - started.getCount()) + " of 50 started");
        assertEquals(50, pool.threads());
        release.countDown();
    }

    @Test
    void beyondTheBoundCallsQueueAndRunWhenAWorkerIsFree() throws Exception {
        OffloadPool pool = new OffloadPool(2);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger ran = new AtomicInteger();
        CountDownLatch all = new CountDownLatch(5);
        for (int i = 0; i < 5; i++) {
            pool.execute(() -> {
                await(release);
                ran.incrementAndGet();
                all.countDown();
            });
        }
        assertEquals(2, pool.threads());
        assertEquals(0, ran.get());
        release.countDown();
        assertTrue(all.await(10, TimeUnit.SECONDS));
        assertEquals(5, ran.get());
        assertEquals(2, pool.busiest());
    }

    @Test
    void sequentialCallsReuseAnIdleWorker() throws Exception {
        OffloadPool pool = new OffloadPool(64);
        Set<Thread> workers = ConcurrentHashMap.newKeySet();
        for (int i = 0; i < 200; i++) {
            CountDownLatch done = new CountDownLatch(1);
            pool.execute(() -> {
                workers.add(Thread.currentThread());
                done.countDown();
            });
            assertTrue(done.await(10, TimeUnit.SECONDS));
        }
        // One greenlet reading a file chunk by chunk must not create a thread per chunk. A worker that
        // has just finished is idle only once it waits again, so a call made at that instant starts
        // another worker (as in the JDK's cached thread pool); idle workers are then reused.
        assertTrue(workers.size() < 100, workers.size() + " workers for 200 sequential calls");
        List<Thread> list = new ArrayList<>(workers);
        assertTrue(list.get(0).isDaemon() && list.get(0).getName().startsWith("gevent4j-offload-"), list.toString());
    }

    @Test
    void aBoundBelowOneIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new OffloadPool(0));
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
