package io.gevent4j;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The executor contract for {@link HubGroup#executor()} (tasks spread over three hubs), and its thread factory. */
class HubGroupExecutorTest extends AbstractGreenletExecutorContractTest {
    @Override
    HubGroup newGroup() {
        return HubGroup.of(3);
    }

    @Override
    ExecutorService newExecutor(HubGroup group) {
        return group.executor();
    }

    @Override
    Set<Hub> expectedHubs(HubGroup group) {
        return new HashSet<>(group.hubs());
    }

    @Test
    void aClosedGroupRejectsTasks() throws Exception {
        HubGroup other = HubGroup.of(1);
        ExecutorService onOther = other.executor();
        other.close();
        assertThrows(java.util.concurrent.RejectedExecutionException.class, () -> onOther.execute(() -> { }));
        onOther.shutdown();
        assertTrue(onOther.isTerminated());
    }

    @Test
    void threadFactoryRunsEachThreadsTaskOnTheGroupsHubs() throws Exception {
        Set<Hub> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
        AtomicInteger onAHubThread = new AtomicInteger();
        int n = 30;
        try (ExecutorService perTask = Executors.newThreadPerTaskExecutor(group.threadFactory())) {
            for (int i = 0; i < n; i++) {
                perTask.execute(() -> {
                    Hub hub = Hub.current();
                    if (hub.inHub() && group.hubs().contains(hub) && Greenlet.current() != null
                            && Greenlet.current().name().startsWith("gevent4j-thread-")) {
                        onAHubThread.incrementAndGet();
                    }
                    seen.add(hub);
                    try {
                        Gevent.sleep(1); // a cooperative wait on the hub
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
            }
        }
        assertEquals(n, onAHubThread.get());
        assertEquals(new HashSet<>(group.hubs()), seen);
    }

    @Test
    void aFactoryThreadIsInterruptedAndJoinedLikeAThread() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        AtomicInteger interrupted = new AtomicInteger();
        Thread t = group.threadFactory().newThread(() -> {
            running.countDown();
            try {
                Gevent.sleep(java.time.Duration.ofMinutes(5));
            } catch (InterruptedException e) {
                interrupted.incrementAndGet();
            }
        });
        t.start();
        assertTrue(running.await(30, TimeUnit.SECONDS));
        t.interrupt();
        t.join(TimeUnit.SECONDS.toMillis(30));
        assertTrue(!t.isAlive(), "the thread ended");
        assertEquals(1, interrupted.get());
    }

    @Test
    void aFactoryThreadIsAGreenletThatTheGroupsCloseKills() throws Exception {
        HubGroup other = HubGroup.of(1);
        CountDownLatch running = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicReference<Greenlet<?>> me = new java.util.concurrent.atomic.AtomicReference<>();
        Thread t = other.threadFactory().newThread(() -> {
            me.set(Greenlet.current());
            running.countDown();
            try {
                Gevent.sleep(java.time.Duration.ofMinutes(5));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        t.start();
        assertTrue(running.await(30, TimeUnit.SECONDS));
        assertTrue(me.get() != null, "the task runs as a greenlet");
        assertEquals(t.getName(), me.get().name());
        other.close();
        t.join(TimeUnit.SECONDS.toMillis(30));
        assertTrue(!t.isAlive(), "the group's close killed it");
        assertTrue(me.get().dead());
    }
}
