package io.gevent4j;

import io.gevent4j.internal.loop.Waits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HubGroup: n hubs on n threads, round-robin spawn, results across threads, close and misuse. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HubGroupTest extends HubTestSupport {

    private static String hubThreadName() {
        return Hub.current().thread().getName();
    }

    @Test
    void spawnSpreadsGreenletsRoundRobinOverDistinctThreads() throws Exception {
        try (HubGroup group = HubGroup.of(3)) {
            List<Hub> hubs = group.hubs();
            assertEquals(3, hubs.size());
            Set<Thread> threads = new HashSet<>();
            for (Hub h : hubs) {
                threads.add(h.thread());
                assertFalse(h.thread().isDaemon(), "hub threads are not daemon threads");
                assertTrue(h.thread().getName().startsWith("gevent4j-hubgroup-"), h.thread().getName());
            }
            assertEquals(3, threads.size(), "one thread per hub");
            assertFalse(threads.contains(Thread.currentThread()));

            List<Greenlet<String>> gs = new ArrayList<>();
            for (int i = 0; i < 9; i++) {
                gs.add(group.spawn(HubGroupTest::hubThreadName));
            }
            for (int i = 0; i < gs.size(); i++) {
                Hub expected = hubs.get(i % 3);
                assertSame(expected, gs.get(i).hub(), "greenlet " + i + " goes to hub " + (i % 3));
                assertEquals(expected.thread().getName(), gs.get(i).get(), "greenlet " + i + " ran on its hub's thread");
            }
        }
    }

    @Test
    void aGreenletRunsEntirelyOnItsHubAcrossWaits() throws Exception {
        try (HubGroup group = HubGroup.of(2)) {
            Greenlet<List<String>> g = group.spawn(() -> {
                List<String> seen = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    seen.add(hubThreadName());
                    Gevent.sleep(1);
                    seen.add(Greenlet.current().hub().thread().getName());
                }
                return seen;
            });
            List<String> seen = g.get();
            assertEquals(1, new HashSet<>(seen).size(), "always the same hub: " + seen);
            assertEquals(g.hub().thread().getName(), seen.get(0));
        }
    }

    @Test
    void resultsAndExceptionsReachJoinersOnOtherThreadsAndHubs() throws Exception {
        try (HubGroup group = HubGroup.of(2)) {
            CompletableFuture<Void> gate = new CompletableFuture<>();
            // a waits on hub 0 until the test thread opens the gate; b on hub 1 joins a across hubs
            Greenlet<Integer> a = group.spawn(() -> {
                Waits.await(gate, null);
                return 41;
            });
            Greenlet<Integer> b = group.spawn(() -> a.get() + 1);
            assertNotEquals(a.hub(), b.hub());
            gate.complete(null);
            assertEquals(42, b.get(), "value across hubs");
            assertEquals(41, a.get(), "value on the test thread");

            Greenlet<Void> failing = group.spawn(() -> {
                throw new IllegalStateException("boom on " + hubThreadName());
            });
            Greenlet<String> observer = group.spawn(() -> {
                try {
                    failing.get();
                    return "no exception";
                } catch (ExecutionException e) {
                    return e.getCause().getMessage();
                }
            });
            String stderr = captureStderr(() -> {
                assertEquals("boom on " + failing.hub().thread().getName(), observer.get());
                ExecutionException e = assertThrows(ExecutionException.class, failing::get);
                assertInstanceOf(IllegalStateException.class, e.getCause());
                assertTrue(failing.join(Duration.ofSeconds(5)));
            });
            assertEquals(0, reports(stderr, "IllegalStateException"), "an observed failure is not printed");

            CompletableFuture<Void> never = new CompletableFuture<>();
            Greenlet<Void> blocked = group.spawn(() -> {
                Waits.await(never, null);
            });
            assertTrue(blocked.kill(new io.gevent4j.core.GreenletExit(), true, Duration.ofSeconds(10)),
                    "a kill from another thread reaches it");
            assertThrows(CancellationException.class, blocked::get);
            assertEquals(43, group.spawn(() -> a.toCompletableFuture().join() + 2).toCompletableFuture().get());
        }
    }

    @Test
    void closeKillsWhatRunsAndEndsEveryThread() throws Exception {
        HubGroup group = HubGroup.of(2);
        List<Thread> threads = group.hubs().stream().map(Hub::thread).toList();
        CompletableFuture<Void> never = new CompletableFuture<>();
        CountDownLatch running = new CountDownLatch(2);
        List<Greenlet<Void>> blocked = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            blocked.add(group.spawn(() -> {
                running.countDown();
                Waits.await(never, null);
            }));
        }
        running.await();
        group.close();
        assertTrue(group.isClosed());
        for (Thread t : threads) {
            assertFalse(t.isAlive(), t.getName() + " ended");
        }
        for (Hub h : group.hubs()) {
            assertTrue(h.isClosed(), h + " is closed");
        }
        for (Greenlet<Void> g : blocked) {
            assertTrue(g.dead() && g.killed(), g + " was killed by close");
            assertThrows(CancellationException.class, g::get);
        }
        group.close(); // again: nothing more to do
    }

    @Test
    void spawnAfterCloseFailsClearly() throws Exception {
        HubGroup group = HubGroup.of(2);
        group.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> group.spawn(() -> 1));
        assertTrue(e.getMessage().contains("is closed"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> group.spawn(() -> { }));
        assertThrows(IllegalArgumentException.class, () -> HubGroup.of(0));
    }

    @Test
    void closeFromTheGroupsOwnGreenletIsRefused() throws Exception {
        try (HubGroup group = HubGroup.of(2)) {
            Greenlet<Void> g = group.spawn(group::close);
            ExecutionException e = assertThrows(ExecutionException.class, g::get);
            assertInstanceOf(IllegalStateException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("its own hub"), e.getCause().getMessage());
            assertFalse(group.isClosed());
            assertEquals(7, group.spawn(() -> 7).get(), "the group still works");
        }
    }

    @Test
    void spawnsRacingWithCloseAllEndOrAreRefused() throws Exception {
        HubGroup group = HubGroup.of(2);
        List<Greenlet<Integer>> spawned = new ArrayList<>();
        AtomicReference<Throwable> refused = new AtomicReference<>();
        CountDownLatch enough = new CountDownLatch(1000);
        CountDownLatch someRan = new CountDownLatch(1);
        Thread spawner = Thread.ofPlatform().name("spawner").start(() -> {
            try {
                for (int i = 0; ; i++) {
                    int n = i;
                    Greenlet<Integer> g = group.spawn(() -> {
                        someRan.countDown();
                        return n;
                    });
                    synchronized (spawned) {
                        spawned.add(g);
                    }
                    enough.countDown();
                }
            } catch (IllegalStateException e) {
                refused.set(e);
            }
        });
        enough.await();
        someRan.await(); // otherwise close may legitimately kill every greenlet before its first turn
        group.close();
        spawner.join();
        assertInstanceOf(IllegalStateException.class, refused.get(), "spawning ends with the clear refusal");
        List<Greenlet<Integer>> all;
        synchronized (spawned) {
            all = new ArrayList<>(spawned);
        }
        int ran = 0;
        for (Greenlet<Integer> g : all) {
            assertTrue(g.join(Duration.ofSeconds(10)), g + " accepted before close ends (runs or is killed)");
            if (g.successful() && !g.killed()) {
                ran++;
            }
        }
        assertTrue(ran > 0, "some ran before close");
    }

    @Test
    void aStopOfAMemberHubDoesNotEndIt() throws Exception {
        try (HubGroup group = HubGroup.of(2)) {
            Hub first = group.hubs().get(0);
            first.stop();
            for (int i = 0; i < 4; i++) {
                Greenlet<String> g = group.spawn(HubGroupTest::hubThreadName);
                assertEquals(g.hub().thread().getName(), g.get());
            }
            assertTrue(first.thread().isAlive());
        }
    }

    @Test
    void spawnFromAGreenletOfTheGroupLandsOnTheNextHub() throws Exception {
        try (HubGroup group = HubGroup.of(2)) {
            Greenlet<List<String>> parent = group.spawn(() -> {
                List<String> names = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    names.add(group.spawn(HubGroupTest::hubThreadName).get());
                }
                return names;
            });
            List<String> names = parent.get();
            assertEquals(Set.copyOf(group.hubs().stream().map(h -> h.thread().getName()).toList()),
                    Set.copyOf(names), "children on both hubs, including the parent's own");
        }
    }

    @Test
    void aJdkBlockingQueuePassesDataBetweenHubsAndParksOnlyTheWaitingGreenlet() throws Exception {
        try (HubGroup group = HubGroup.of(2)) {
            Hub producerHub = group.hubs().get(0);
            Hub consumerHub = group.hubs().get(1);
            BlockingQueue<Integer> q = new ArrayBlockingQueue<>(4); // small: the producer blocks too
            CountDownLatch consumerWaiting = new CountDownLatch(1);
            CompletableFuture<Long> consumer = consumerHub.submit(() -> {
                consumerWaiting.countDown();
                long sum = 0;
                for (int i = 0; i < 1000; i++) {
                    sum += q.take();
                }
                return sum;
            });
            consumerWaiting.await();
            // the consumer is in take() (or about to be): its hub still runs other greenlets
            assertEquals("ran", consumerHub.submit(() -> "ran").get(10, TimeUnit.SECONDS));
            CompletableFuture<Void> producer = producerHub.submit(() -> {
                for (int i = 0; i < 1000; i++) {
                    q.put(i);
                }
                return null;
            });
            assertEquals("ran too", producerHub.submit(() -> "ran too").get(10, TimeUnit.SECONDS));
            producer.get(30, TimeUnit.SECONDS);
            assertEquals(999L * 1000 / 2, consumer.get(30, TimeUnit.SECONDS));
        }
    }
}
