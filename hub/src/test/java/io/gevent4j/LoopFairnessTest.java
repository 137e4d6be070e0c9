package io.gevent4j;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The loop's fairness rule (docs/hub-design.md, "The loop"): a turn runs ready work for about 5 ms, then
 * fires due timers, and what they wake runs ahead of the remaining backlog.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LoopFairnessTest extends HubTestSupport {
    private static final int BACKLOG = 20_000;
    private static final long WORK_NANOS = 50_000;

    /** Busy for {@code nanos} of wall time: a greenlet that computes without yielding. */
    private static void work(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() - end < 0) {
            Thread.onSpinWait();
        }
    }

    @Test
    void aGreenletWokenByATimerRunsAheadOfABacklogOfReadyGreenlets() throws Exception {
        int[] done = {0};
        Greenlet<long[]> sleeper = Gevent.spawn(() -> {
            long deadline = System.nanoTime() + Duration.ofMillis(10).toNanos();
            Gevent.sleep(10);
            return new long[] {System.nanoTime() - deadline, done[0]};
        });
        // 20,000 greenlets of 50 us each: at least 1 s of ready work queued behind the sleeper
        List<Greenlet<Void>> backlog = new ArrayList<>(BACKLOG);
        for (int i = 0; i < BACKLOG; i++) {
            backlog.add(Gevent.spawn(() -> {
                work(WORK_NANOS);
                done[0]++;
            }));
        }
        long[] woke = sleeper.get();
        long lateMillis = woke[0] / 1_000_000;
        // Generous bound: the rule gives ~5 ms; running the whole backlog first takes over 1 s.
        assertTrue(lateMillis < 500, "the sleeper woke " + lateMillis + " ms late, after " + woke[1]
                + " of " + BACKLOG + " backlog greenlets");
        assertTrue(woke[1] < BACKLOG, "the whole backlog ran before the sleeper");
        Gevent.joinAll(backlog);
        assertEquals(BACKLOG, done[0]);
    }

    @Test
    void aTimerCallbackFiresWhileABacklogOfReadyGreenletsRuns() throws Exception {
        int[] done = {0};
        int[] doneWhenFired = {-1};
        long deadline = System.nanoTime() + Duration.ofMillis(10).toNanos();
        long[] firedAt = {0};
        Hub.current().callLater(Duration.ofMillis(10), () -> {
            firedAt[0] = System.nanoTime();
            doneWhenFired[0] = done[0];
        });
        List<Greenlet<Void>> backlog = new ArrayList<>(BACKLOG);
        for (int i = 0; i < BACKLOG; i++) {
            backlog.add(Gevent.spawn(() -> {
                work(WORK_NANOS);
                done[0]++;
            }));
        }
        Gevent.joinAll(backlog);
        long lateMillis = (firedAt[0] - deadline) / 1_000_000;
        assertTrue(doneWhenFired[0] >= 0 && doneWhenFired[0] < BACKLOG, "the timer fired after " + doneWhenFired[0]
                + " of " + BACKLOG + " backlog greenlets");
        assertTrue(lateMillis < 500, "the timer fired " + lateMillis + " ms late");
    }

    @Test
    void sleepZeroStillLetsEveryOtherReadyGreenletRunOnceWhenTurnsAreCutShort() throws Exception {
        // 1,000 greenlets x 3 rounds x 20 us: about 60 ms of work, so the 5 ms budget cuts many turns
        int n = 1_000;
        List<int[]> log = new ArrayList<>();
        List<Greenlet<Void>> all = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int id = i;
            all.add(Gevent.spawn(() -> {
                for (int round = 0; round < 3; round++) {
                    work(20_000);
                    log.add(new int[] {round, id});
                    Gevent.sleep(0);
                }
            }));
        }
        Gevent.joinAll(all);
        assertEquals(3 * n, log.size());
        for (int k = 0; k < log.size(); k++) {
            int[] entry = log.get(k);
            assertEquals(k / n, entry[0], "round of log entry " + k);
            assertEquals(k % n, entry[1], "greenlet of log entry " + k);
        }
    }
}
