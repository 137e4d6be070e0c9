package io.gevent4j;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** sleep, sleep(0) (gevent's test__sleep0.py) and many sleepers. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SleepTest extends HubTestSupport {

    @Test
    void sleepZeroLetsTheOthersRunOnce() throws Exception {
        List<String> log = new ArrayList<>();
        List<Greenlet<Void>> all = new ArrayList<>();
        for (String name : List.of("a", "b", "c")) {
            all.add(Gevent.spawn(() -> {
                for (int i = 0; i < 3; i++) {
                    log.add(name + i);
                    Gevent.sleep(0);
                }
            }));
        }
        Gevent.joinAll(all);
        assertEquals(List.of("a0", "b0", "c0", "a1", "b1", "c1", "a2", "b2", "c2"), log);
    }

    @Test
    void sleepZeroOnTheHubThreadRunsTheReadyGreenlets() throws Exception {
        List<String> log = new ArrayList<>();
        Greenlet<Void> g = Gevent.spawn(() -> {
            log.add("one");
            Gevent.sleep(0);
            log.add("two");
        });
        Gevent.sleep(0);
        assertEquals(List.of("one"), log);
        Gevent.sleep(0);
        assertEquals(List.of("one", "two"), log);
        assertTrue(g.dead());
        Gevent.sleep(Duration.ZERO);
        Gevent.sleepNanos(-5);
    }

    @Test
    void aLoopOfSleepZeroOnTheHubThreadStillLetsTimersFire() {
        // gevent's test__sleep0.py: with Timeout(0.01, False): while True: sleep(0)
        long start = System.nanoTime();
        assertThrows(io.gevent4j.Timeout.class, () -> {
            try (var t = io.gevent4j.Timeout.start(Duration.ofMillis(10))) {
                while (true) {
                    Gevent.sleep(0);
                }
            }
        });
        assertTrue(System.nanoTime() - start >= 10_000_000L);
    }

    @Test
    void aLoopOfSleepZeroInAGreenletStillLetsTimersFire() throws Exception {
        Greenlet<Integer> g = Gevent.spawn(() -> {
            int spins = 0;
            try (var t = io.gevent4j.Timeout.start(Duration.ofMillis(10))) {
                while (true) {
                    spins++;
                    Gevent.sleep(0);
                }
            } catch (io.gevent4j.Timeout expected) {
                return spins;
            }
        });
        assertTrue(g.get() > 0);
    }

    @Test
    void sleepLastsAtLeastItsDurationOnTheHubThreadAndInAGreenlet() throws Exception {
        long start = System.nanoTime();
        Gevent.sleep(30);
        assertTrue(System.nanoTime() - start >= 30_000_000L);
        Greenlet<Long> g = Gevent.spawn(() -> {
            long s = System.nanoTime();
            Gevent.sleep(Duration.ofMillis(30));
            return System.nanoTime() - s;
        });
        assertTrue(g.get() >= 30_000_000L);
    }

    @Test
    void othersRunWhileOneSleeps() throws Exception {
        List<String> log = new ArrayList<>();
        Greenlet<Void> sleeper = Gevent.spawn(() -> {
            log.add("sleeper starts");
            Gevent.sleep(50);
            log.add("sleeper wakes");
        });
        Greenlet<Void> worker = Gevent.spawn(() -> {
            log.add("worker runs");
        });
        Gevent.joinAll(List.of(sleeper, worker));
        assertEquals(List.of("sleeper starts", "worker runs", "sleeper wakes"), log);
    }

    @Test
    void sleepersWakeInDeadlineOrder() throws Exception {
        List<Integer> woke = new ArrayList<>();
        List<Greenlet<Void>> all = new ArrayList<>();
        // wide gaps: a later-created timer with an earlier deadline, robust to pauses of the hub thread
        for (int ms : new int[] {250, 10, 120}) {
            all.add(Gevent.spawn(() -> {
                Gevent.sleep(ms);
                woke.add(ms);
            }));
        }
        Gevent.joinAll(all);
        assertEquals(List.of(10, 120, 250), woke);
    }

    @Test
    void oneHundredThousandGreenletsSleepingOneSecondAllFinish() throws Exception {
        int n = 100_000;
        int[] woke = new int[1];
        List<Greenlet<Void>> all = new ArrayList<>(n);
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            all.add(Gevent.spawn(() -> {
                Gevent.sleep(1000);
                woke[0]++;
            }));
        }
        List<Greenlet<Void>> done = Gevent.joinAll(all);
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        assertEquals(n, done.size());
        assertEquals(n, woke[0]);
        assertTrue(all.stream().allMatch(Greenlet::successful));
        assertTrue(elapsedMs >= 1000, "they slept: " + elapsedMs + " ms");
        assertTrue(elapsedMs < 10_000, "100k sleepers of 1 s took " + elapsedMs + " ms");
    }
}
