package io.gevent4j.pool;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.event.Event;
import io.gevent4j.testsupport.FreshHub;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static io.gevent4j.testsupport.FreshHub.runUntil;
import static io.gevent4j.testsupport.FreshHub.runUntilWaiting;
import static org.junit.jupiter.api.Assertions.*;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
@ExtendWith(FreshHub.class)
class PoolTest {

    private static List<Integer> range(int n) {
        return IntStream.range(0, n).boxed().toList();
    }

    @Test
    void poolNeverRunsMoreThanItsSize() throws Exception {
        Pool pool = new Pool(3);
        int[] running = {0};
        int[] maxSeen = {0};
        for (int i = 0; i < 30; i++) {
            int turns = 1 + i % 4;
            pool.spawn(() -> {
                running[0]++;
                maxSeen[0] = Math.max(maxSeen[0], running[0]);
                assertTrue(running[0] <= 3, "more than 3 running: " + running[0]);
                for (int t = 0; t < turns; t++) {
                    Gevent.sleep(0);
                }
                running[0]--;
            });
            assertTrue(pool.size() <= 3);
        }
        pool.join();
        assertEquals(3, maxSeen[0], "the pool should have been used to its size, and never beyond");
        assertEquals(0, pool.size());
        assertEquals(3, pool.freeCount());
    }

    @Test
    void spawnWaitsWhileThePoolIsFull() throws Exception {
        Pool pool = new Pool(1);
        Event release = new Event();
        Greenlet<Void> first = pool.spawn(() -> release.await());
        assertTrue(pool.full());
        assertEquals(0, pool.freeCount());
        List<String> log = new ArrayList<>();
        Greenlet<Void> spawner = Gevent.spawn(() -> {
            log.add("spawning");
            pool.spawn(() -> log.add("second runs"));
            log.add("spawned");
        });
        runUntilWaiting(spawner);
        assertEquals(List.of("spawning"), log, "spawn must wait while the pool is full");
        release.set();
        spawner.join();
        pool.join();
        assertTrue(first.dead());
        assertEquals(List.of("spawning", "spawned", "second runs"), log);
    }

    @Test
    void spawnersWaitingForRoomAreServedInOrder() throws Exception {
        Pool pool = new Pool(1);
        Event release = new Event();
        pool.spawn(() -> release.await());
        List<Integer> order = new ArrayList<>();
        List<Greenlet<Void>> spawners = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int index = i;
            spawners.add(Gevent.spawn(() -> {
                pool.spawn(() -> order.add(index));
            }));
        }
        runUntil("all spawners wait", () -> spawners.stream().allMatch(g -> g.hub().inspect().isWaitingInHub(g)));
        release.set();
        Gevent.joinAll(spawners);
        pool.join();
        assertEquals(List.of(0, 1, 2, 3, 4), order);
    }

    @Test
    void membersLeaveWhenTheyDie() throws Exception {
        Group group = new Group();
        Event go = new Event();
        Greenlet<Integer> a = group.spawn(() -> 1);
        Greenlet<Void> b = group.spawn(() -> go.await());
        assertEquals(2, group.size());
        assertTrue(group.contains(a));
        a.join();
        assertFalse(group.contains(a));
        assertEquals(List.of(b), group.greenlets());
        go.set();
        assertTrue(group.join(Duration.ofSeconds(10), false));
        assertEquals(0, group.size());
    }

    @Test
    void addAndDiscard() throws Exception {
        Pool pool = new Pool(2);
        Event go = new Event();
        Greenlet<Void> outside = Gevent.spawn(() -> go.await());
        pool.add(outside);
        pool.add(outside);
        assertEquals(1, pool.size(), "adding a member twice does nothing");
        assertEquals(1, pool.freeCount());
        assertTrue(pool.discard(outside));
        assertFalse(pool.discard(outside));
        assertEquals(2, pool.freeCount(), "a discarded member gives its room back");
        Greenlet<String> dead = Gevent.spawn(() -> "done");
        dead.join();
        pool.add(dead);
        assertEquals(0, pool.size(), "a dead greenlet leaves at once");
        go.set();
        outside.join();
    }

    @Test
    void mapKeepsItemOrder() throws Exception {
        Pool pool = new Pool(4);
        List<Integer> squares = pool.map(i -> {
            Gevent.sleep(0);
            return i * i;
        }, range(20));
        assertEquals(range(20).stream().map(i -> i * i).toList(), squares);
    }

    @Test
    void imapKeepsOrderAndImapUnorderedYieldsInCompletionOrder() throws Exception {
        int n = 6;
        List<Integer> finishOrder = List.of(3, 1, 5, 0, 4, 2);
        for (boolean ordered : new boolean[] {true, false}) {
            Group group = new Group();
            List<Event> release = IntStream.range(0, n).mapToObj(i -> new Event()).toList();
            List<Event> finished = IntStream.range(0, n).mapToObj(i -> new Event()).toList();
            ThrowingFunction<Integer, Integer> task = i -> {
                release.get(i).await();
                finished.get(i).set();
                return i;
            };
            Iterable<Integer> results = ordered ? group.imap(task, range(n)) : group.imapUnordered(task, range(n));
            Greenlet<Void> releaser = Gevent.spawn(() -> {
                for (int i : finishOrder) {
                    release.get(i).set();
                    finished.get(i).await();
                }
            });
            List<Integer> seen = new ArrayList<>();
            for (int r : results) {
                seen.add(r);
            }
            releaser.join();
            assertEquals(ordered ? range(n) : finishOrder, seen, ordered ? "imap" : "imapUnordered");
        }
    }

    @Test
    void imapIsLazy() throws Exception {
        Pool pool = new Pool(2);
        Event firstTaken = new Event();
        Iterator<String> it = pool.imap((Integer i) -> {
            if (i == 1) {
                firstTaken.await(); // only possible if result 0 is handed out before all are done
            }
            return "r" + i;
        }, range(3)).iterator();
        assertEquals("r0", it.next());
        firstTaken.set();
        assertEquals("r1", it.next());
        assertEquals("r2", it.next());
        assertFalse(it.hasNext());
    }

    @Test
    void imapWithMaxsizeStaysAtMostThatFarAhead() throws Exception {
        Group group = new Group();
        int[] started = {0};
        Iterator<Integer> it = group.imap((Integer i) -> {
            started[0]++;
            return i;
        }, range(10), 2).iterator();
        assertEquals(0, it.next());
        runUntil("the feeder waits for the consumer", () -> started[0] >= 3);
        for (int i = 0; i < 5; i++) {
            Gevent.sleep(0);
        }
        assertTrue(started[0] <= 3, "at most maxsize results ahead of the consumer, started " + started[0]);
        List<Integer> rest = new ArrayList<>();
        it.forEachRemaining(rest::add);
        assertEquals(range(10).subList(1, 10), rest);
    }

    @Test
    void imapCanBeIteratedOnlyOnce() throws Exception {
        Iterable<Integer> results = new Group().imap(i -> i, range(2));
        List<Integer> seen = new ArrayList<>();
        results.forEach(seen::add);
        assertEquals(range(2), seen);
        assertThrows(IllegalStateException.class, results::iterator);
    }

    @Test
    void mapRaisesTheFirstFailureInItemOrder() throws Exception {
        Group group = new Group();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> group.map(i -> {
            if (i == 2) {
                throw new IllegalArgumentException("bad item " + i);
            }
            return i;
        }, range(5)));
        assertEquals("bad item 2", e.getMessage());
        group.join();
        CompletionException checked = assertThrows(CompletionException.class,
                () -> group.map(i -> {
                    throw new java.io.IOException("io " + i);
                }, List.of(7)));
        assertEquals("io 7", checked.getCause().getMessage());
        group.join();
    }

    @Test
    void imapRaisesAFailureInItsTurnAndEnds() throws Exception {
        Group group = new Group();
        Iterator<Integer> it = group.imap((Integer i) -> {
            if (i == 1) {
                throw new IllegalStateException("boom");
            }
            return i;
        }, range(3)).iterator();
        assertEquals(0, it.next());
        assertTrue(it.hasNext());
        assertThrows(IllegalStateException.class, it::next);
        assertFalse(it.hasNext());
        group.join();
    }

    @Test
    void applyReturnsTheResultOrRaisesTheFailure() throws Exception {
        Pool pool = new Pool(1);
        assertEquals(42, pool.apply(() -> 42));
        java.io.IOException io = assertThrows(java.io.IOException.class, () -> pool.apply(() -> {
            throw new java.io.IOException("nope");
        }));
        assertEquals("nope", io.getMessage());
        // from a member of a full pool, apply runs inline instead of waiting for itself
        Greenlet<Integer> outer = pool.spawn(() -> pool.apply(() -> 7));
        assertEquals(7, outer.get());
    }

    @Test
    void applyAsyncCallsBackWithTheResult() throws Exception {
        Pool pool = new Pool(1);
        CompletableFuture<String> got = new CompletableFuture<>();
        Greenlet<String> g = pool.applyAsync(() -> "value", got::complete);
        assertEquals("value", g.get());
        runUntil("callback ran", got::isDone);
        assertEquals("value", got.get());
        // from a member of a full pool, applyAsync does not wait: a helper waits for room
        Greenlet<Greenlet<Integer>> member = pool.spawn(() -> pool.applyAsync(() -> 5));
        Greenlet<Integer> inner = member.get();
        assertEquals(5, inner.get());
    }

    @Test
    void joinWithRaiseErrorRaisesAMemberFailure() throws Exception {
        Group group = new Group();
        group.spawn(() -> {
            throw new IllegalStateException("member failed");
        });
        group.spawn(() -> Gevent.sleep(0));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> group.join(Duration.ofSeconds(10), true));
        assertEquals("member failed", e.getMessage());
        assertEquals(0, group.size());
    }

    @Test
    void joinTimesOut() throws Exception {
        Group group = new Group();
        Event never = new Event();
        group.spawn(() -> never.await());
        assertFalse(group.join(Duration.ofMillis(50), false));
        assertEquals(1, group.size());
        group.kill();
    }

    @Test
    void aMemberCannotJoinItsOwnGroup() throws Exception {
        Group group = new Group();
        Greenlet<Boolean> g = group.spawn(() -> group.join(null, false));
        assertThrows(java.util.concurrent.ExecutionException.class, g::get);
        assertInstanceOf(IllegalStateException.class, g.exception());
    }

    @Test
    void killKillsEveryMember() throws Exception {
        Pool pool = new Pool(5);
        Event never = new Event();
        List<Greenlet<Void>> gs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            gs.add(pool.spawn(() -> never.await()));
        }
        runUntil("all members wait", () -> gs.stream().allMatch(g -> g.hub().inspect().isWaitingInHub(g)));
        pool.kill();
        assertEquals(0, pool.size());
        assertTrue(gs.stream().allMatch(g -> g.dead() && g.killed()));
        assertEquals(5, pool.freeCount());
    }

    @Test
    void waitAvailableWaitsForRoom() throws Exception {
        Pool pool = new Pool(1);
        Event go = new Event();
        pool.spawn(() -> go.await());
        assertEquals(0, pool.waitAvailable(Duration.ofMillis(20)));
        Gevent.spawn(go::set);
        assertEquals(1, pool.waitAvailable(Duration.ofSeconds(10)));
        Group group = new Group();
        assertFalse(group.full());
        assertEquals(Integer.MAX_VALUE, group.waitAvailable(null));
    }

    @Test
    void killedResultsRaiseCancellation() throws Exception {
        Group group = new Group();
        Event never = new Event();
        Iterator<Integer> it = group.imap((Integer i) -> {
            never.await();
            return i;
        }, range(2)).iterator();
        Greenlet<Void> killer = Gevent.spawn(() -> {
            runUntil("members wait", () -> group.size() == 2
                    && group.greenlets().stream().allMatch(g -> g.hub().inspect().isWaitingInHub(g)));
            group.kill();
        });
        assertThrows(CancellationException.class, it::next);
        killer.join();
    }

    @Test
    void killingAPoolStopsAnImapOverEndlessInput() throws Exception {
        Pool pool = new Pool(2);
        Event never = new Event();
        Iterable<Integer> endless = () -> IntStream.iterate(0, i -> i + 1).iterator();
        Iterator<Integer> it = pool.imap((Integer i) -> {
            never.await();
            return i;
        }, endless).iterator();
        runUntil("the pool is busy", () -> pool.size() == 2
                && pool.greenlets().stream().allMatch(g -> g.hub().inspect().isWaitingInHub(g)));
        assertTrue(pool.kill(new io.gevent4j.core.GreenletExit(), true, Duration.ofSeconds(10)),
                "kill must not chase the imap feeder forever");
        assertThrows(CancellationException.class, it::next);
        assertFalse(it.hasNext());
    }

    @Test
    void aPoolNeedsAPositiveSize() {
        assertThrows(IllegalArgumentException.class, () -> new Pool(0));
    }

    @Test
    void usingAGroupFromAnotherThreadFails() throws Exception {
        Pool pool = new Pool(2);
        CompletableFuture<Throwable> seen = new CompletableFuture<>();
        Thread other = Thread.ofPlatform().start(() -> {
            try {
                pool.spawn(() -> 1);
                seen.complete(null);
            } catch (Throwable t) {
                seen.complete(t);
            }
        });
        other.join(10_000);
        assertInstanceOf(WrongThreadException.class, seen.get());
        assertEquals(0, pool.size());
    }
}
