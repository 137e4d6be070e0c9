package io.gevent4j;

import io.gevent4j.core.GreenletExit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contract of a greenlet {@link ExecutorService} (JCTools style: one abstract suite, one subclass
 * per implementation): tasks run as greenlets of the expected hubs, FIFO per hub, from any thread,
 * and the whole {@code ExecutorService} life cycle. The hubs run their loops on threads of their own
 * (a {@link HubGroup}); the test thread submits from outside them, as a server's acceptor would.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class AbstractGreenletExecutorContractTest {
    protected HubGroup group;
    protected ExecutorService executor;

    /** {@return the group whose hubs run the executor's tasks} */
    abstract HubGroup newGroup();

    /** {@return the executor under test, on (some of) {@link #group}'s hubs} */
    abstract ExecutorService newExecutor(HubGroup group);

    /** {@return the hubs the executor may run its tasks on} */
    abstract Set<Hub> expectedHubs(HubGroup group);

    @BeforeEach
    void start() {
        group = newGroup();
        executor = newExecutor(group);
    }

    @AfterEach
    void stop() throws Exception {
        executor.shutdownNow();
        assertTrue(executor.awaitTermination(10, TimeUnit.SECONDS), "executor terminates after the test");
        group.close();
    }

    @Test
    void tasksRunAsGreenletsOfTheExpectedHubs() throws Exception {
        Set<Hub> seen = ConcurrentHashMap.newKeySet();
        List<Future<Boolean>> futures = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            futures.add(executor.submit(() -> {
                seen.add(Hub.current());
                return Greenlet.current() != null;
            }));
        }
        for (Future<Boolean> f : futures) {
            assertTrue(f.get(), "the task ran as a greenlet");
        }
        assertEquals(expectedHubs(group), seen, "the tasks ran on the executor's hubs, all of them");
    }

    @Test
    void tasksStartInSubmissionOrderOnEachHub() throws Exception {
        Map<Hub, List<Integer>> order = new ConcurrentHashMap<>();
        int n = 2_000;
        CountDownLatch done = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            int index = i;
            executor.execute(() -> {
                order.computeIfAbsent(Hub.current(), h -> new ArrayList<>()).add(index); // one hub: one thread
                done.countDown();
            });
        }
        assertTrue(done.await(30, TimeUnit.SECONDS));
        int total = 0;
        for (List<Integer> onOneHub : order.values()) {
            for (int i = 1; i < onOneHub.size(); i++) {
                assertTrue(onOneHub.get(i - 1) < onOneHub.get(i), "FIFO on a hub: " + onOneHub);
            }
            total += onOneHub.size();
        }
        assertEquals(n, total);
    }

    @Test
    void blockingTasksRunConcurrentlyOnTheHubs() throws Exception {
        // each task waits until all have arrived: only cooperative waits on the hubs can get there
        int n = 200;
        CountDownLatch arrived = new CountDownLatch(n);
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            futures.add(executor.submit(() -> {
                arrived.countDown();
                assertTrue(arrived.await(30, TimeUnit.SECONDS));
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
    }

    @Test
    void submitFromManyThreadsAtOnce() throws Exception {
        int threads = 4;
        int each = 1_000;
        AtomicInteger ran = new AtomicInteger();
        List<Thread> submitters = new ArrayList<>();
        List<Future<?>> futures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int t = 0; t < threads; t++) {
            submitters.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < each; i++) {
                    futures.add(executor.submit(ran::incrementAndGet));
                }
            }));
        }
        for (Thread t : submitters) {
            t.join();
        }
        for (Future<?> f : futures) {
            f.get();
        }
        assertEquals(threads * each, ran.get());
    }

    @Test
    void submitFromAGreenletOfTheExecutorsOwnHubAndWaitThere() throws Exception {
        Hub hub = expectedHubs(group).iterator().next();
        Integer sum = hub.submit(() -> {
            List<Future<Integer>> fs = new ArrayList<>();
            for (int i = 1; i <= 10; i++) {
                int v = i;
                fs.add(executor.submit(() -> v));
            }
            int s = 0;
            for (Future<Integer> f : fs) {
                s += f.get(); // parks this greenlet, the hub runs the tasks
            }
            return s;
        }).get(30, TimeUnit.SECONDS);
        assertEquals(55, sum);
    }

    @Test
    void shutdownRejectsNewTasksAndLetsRunningOnesFinish() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(1);
        Future<String> f = executor.submit(() -> {
            running.countDown();
            assertTrue(release.await(30, TimeUnit.SECONDS));
            return "finished";
        });
        assertTrue(running.await(30, TimeUnit.SECONDS));
        executor.shutdown();
        assertTrue(executor.isShutdown());
        assertFalse(executor.isTerminated(), "a task still runs");
        RejectedExecutionException rejected = assertThrows(RejectedExecutionException.class,
                () -> executor.execute(() -> { }));
        assertTrue(rejected.getMessage().contains("shut down"), rejected.getMessage());
        assertFalse(executor.awaitTermination(50, TimeUnit.MILLISECONDS), "not terminated while the task runs");
        release.countDown();
        assertEquals("finished", f.get());
        assertTrue(executor.awaitTermination(10, TimeUnit.SECONDS));
        assertTrue(executor.isTerminated());
    }

    @Test
    void shutdownOfAnIdleExecutorTerminatesAtOnce() throws Exception {
        executor.shutdown();
        assertTrue(executor.isTerminated());
        assertTrue(executor.awaitTermination(0, TimeUnit.SECONDS));
    }

    @Test
    void shutdownNowKillsRunningGreenletsAndReturnsTheTasksNeverStarted() throws Exception {
        int n = 100;
        AtomicInteger started = new AtomicInteger();
        AtomicInteger finishedNormally = new AtomicInteger();
        AtomicInteger killed = new AtomicInteger();
        CountDownLatch firstRunning = new CountDownLatch(1);
        Hub hub = expectedHubs(group).iterator().next();
        // submitted and shut down from one greenlet, without yielding in between: on the submitting hub,
        // the tasks cannot have started yet
        List<Runnable> neverStarted = hub.submit(() -> {
            for (int i = 0; i < n; i++) {
                executor.execute(() -> {
                    started.incrementAndGet();
                    firstRunning.countDown();
                    try {
                        Gevent.sleep(Duration.ofMinutes(5));
                        finishedNormally.incrementAndGet();
                    } catch (GreenletExit e) {
                        killed.incrementAndGet();
                        throw e;
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
            }
            return List.<Runnable>of();
        }).get(30, TimeUnit.SECONDS);
        assertTrue(firstRunning.await(30, TimeUnit.SECONDS));
        neverStarted = executor.shutdownNow();
        assertTrue(executor.awaitTermination(30, TimeUnit.SECONDS), "killed greenlets end the executor");
        assertEquals(0, finishedNormally.get());
        assertEquals(started.get(), killed.get(), "every started task was killed");
        assertEquals(n, started.get() + neverStarted.size(), "a task either started or was handed back");
    }

    @Test
    void shutdownNowHandsBackTasksQueuedOnABusyHub() throws Exception {
        Hub hub = expectedHubs(group).iterator().next();
        ExecutorService onOneHub = hub.executor();
        AtomicInteger ran = new AtomicInteger();
        List<Runnable> back = hub.submit(() -> {
            for (int i = 0; i < 10; i++) {
                onOneHub.execute(ran::incrementAndGet);
            }
            return onOneHub.shutdownNow(); // same greenlet, no yield: none has started
        }).get(30, TimeUnit.SECONDS);
        assertEquals(10, back.size());
        assertTrue(onOneHub.awaitTermination(10, TimeUnit.SECONDS));
        assertEquals(0, ran.get());
    }

    @Test
    void invokeAllReturnsEveryResultInOrder() throws Exception {
        List<Callable<Integer>> tasks = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            int v = i;
            tasks.add(() -> {
                Gevent.sleep(1);
                return v * v;
            });
        }
        List<Future<Integer>> results = executor.invokeAll(tasks);
        for (int i = 0; i < 20; i++) {
            assertTrue(results.get(i).isDone());
            assertEquals(i * i, results.get(i).get());
        }
    }

    @Test
    void invokeAllWithATimeoutCancelsTheLateOnes() throws Exception {
        List<Callable<String>> tasks = List.of(() -> "quick", () -> {
            Gevent.sleep(Duration.ofMinutes(5));
            return "late";
        });
        List<Future<String>> results = executor.invokeAll(tasks, 200, TimeUnit.MILLISECONDS);
        assertEquals("quick", results.get(0).get());
        assertTrue(results.get(1).isCancelled());
    }

    @Test
    void invokeAnyReturnsASuccessAndIgnoresFailures() throws Exception {
        List<Callable<String>> tasks = List.of(
                () -> {
                    throw new IllegalStateException("first fails");
                },
                () -> "second",
                () -> {
                    Gevent.sleep(Duration.ofMinutes(5));
                    return "never";
                });
        assertEquals("second", executor.invokeAny(tasks));
    }

    @Test
    void invokeAnyFailsWhenEveryTaskFails() {
        List<Callable<String>> tasks = List.of(
                () -> {
                    throw new IllegalStateException("a");
                },
                () -> {
                    throw new IllegalStateException("b");
                });
        ExecutionException e = assertThrows(ExecutionException.class, () -> executor.invokeAny(tasks));
        assertNotNull(e.getCause());
    }

    @Test
    void invokeAnyTimesOut() {
        List<Callable<String>> tasks = List.of(() -> {
            Gevent.sleep(Duration.ofMinutes(5));
            return "never";
        });
        assertThrows(java.util.concurrent.TimeoutException.class,
                () -> executor.invokeAny(tasks, 100, TimeUnit.MILLISECONDS));
    }

    @Test
    void closeWaitsForTheTasks() throws Exception {
        AtomicInteger done = new AtomicInteger();
        for (int i = 0; i < 10; i++) {
            executor.execute(() -> {
                try {
                    Gevent.sleep(5);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                done.incrementAndGet();
            });
        }
        executor.close();
        assertTrue(executor.isTerminated());
        assertEquals(10, done.get());
    }

    @Test
    void futureCancelInterruptsTheGreenlet() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        AtomicInteger interrupted = new AtomicInteger();
        Future<?> f = executor.submit(() -> {
            running.countDown();
            try {
                Gevent.sleep(Duration.ofMinutes(5));
            } catch (InterruptedException e) {
                interrupted.incrementAndGet();
            }
            return null;
        });
        assertTrue(running.await(30, TimeUnit.SECONDS));
        assertTrue(f.cancel(true));
        executor.shutdown();
        assertTrue(executor.awaitTermination(30, TimeUnit.SECONDS));
        assertEquals(1, interrupted.get());
    }
}
