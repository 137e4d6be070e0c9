package io.gevent4j.internal.loop;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The timer heap against a sorted reference model: order, FIFO ties, cancel, the next-due figure. */
@Timeout(60)
class TimerHeapTest {
    /** A timer of the test: its deadline, its insertion number, and the heap's handle. */
    private record Entry(long deadline, long seq, TimerHeap.Timer timer) {
    }

    private static final Comparator<Entry> ORDER =
            Comparator.comparingLong(Entry::deadline).thenComparingLong(Entry::seq);

    private static TimerHeap.TimerErrors failOnError() {
        return (timer, error) -> {
            throw new AssertionError("timer callback failed: " + timer, error);
        };
    }

    @Test
    void randomInsertsCancelsAndFiresMatchASortedModel() {
        Random random = new Random(8);
        TimerHeap heap = new TimerHeap();
        TreeSet<Entry> model = new TreeSet<>(ORDER);
        List<Entry> all = new ArrayList<>();
        List<Long> fired = new ArrayList<>();
        long now = 1_000;
        long seq = 0;
        for (int step = 0; step < 200_000; step++) {
            int op = random.nextInt(10);
            if (op < 6) {
                // deadlines in a narrow window, so that many timers share one instant
                long deadline = now + random.nextInt(200) - 20;
                long id = seq++;
                TimerHeap.Timer t = heap.runAt(deadline, () -> fired.add(id));
                Entry e = new Entry(deadline, id, t);
                model.add(e);
                all.add(e);
            } else if (op < 8 && !all.isEmpty()) {
                Entry e = all.get(random.nextInt(all.size()));
                e.timer().cancel();
                model.remove(e);
                assertFalse(e.timer().pending());
            } else {
                now += random.nextInt(30);
                fired.clear();
                List<Long> expected = new ArrayList<>();
                while (!model.isEmpty() && model.first().deadline() <= now) {
                    Entry e = model.pollFirst();
                    expected.add(e.seq());
                    assertTrue(e.timer().pending());
                }
                long next = heap.fireDue(now, failOnError());
                assertEquals(expected, fired, "timers fired at " + now);
                assertEquals(model.isEmpty() ? -1 : model.first().deadline() - now, next);
            }
            assertEquals(model.size(), heap.size());
            if (all.size() > 5_000) {
                all.subList(0, 2_500).clear();
            }
        }
        heap.fireDue(Long.MAX_VALUE / 2, failOnError());
        assertEquals(0, heap.size());
    }

    @Test
    void timersDueAtTheSameInstantFireInInsertionOrder() {
        TimerHeap heap = new TimerHeap();
        List<Integer> fired = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            int id = i;
            heap.runAt(i % 3 == 0 ? 50 : 100, () -> fired.add(id));
        }
        assertEquals(50, heap.fireDue(50, failOnError()));
        assertEquals(334, fired.size());
        for (int i = 1; i < fired.size(); i++) {
            assertTrue(fired.get(i - 1) < fired.get(i), "FIFO among equal deadlines: " + fired);
        }
        assertEquals(-1, heap.fireDue(100, failOnError()));
        assertEquals(1_000, fired.size());
    }

    @Test
    void monotonicDeadlinesAsSleepersMakeThemPopInOrderAndCancelIsIdempotent() {
        TimerHeap heap = new TimerHeap();
        List<TimerHeap.Timer> timers = new ArrayList<>();
        long[] last = {Long.MIN_VALUE};
        for (int i = 0; i < 100_000; i++) {
            long deadline = 10 + i;
            timers.add(heap.runAt(deadline, () -> {
                assertTrue(deadline > last[0]);
                last[0] = deadline;
            }));
        }
        timers.get(50_000).cancel();
        timers.get(50_000).cancel();
        assertEquals(99_999, heap.size());
        assertEquals(-1, heap.fireDue(200_000, failOnError()));
        assertEquals(10 + 99_999, last[0]);
        assertTrue(timers.get(0).fired());
        assertFalse(timers.get(50_000).fired());
        timers.get(0).cancel(); // cancelling a fired timer does nothing
        assertEquals(0, heap.size());
    }

    @Test
    void mostlyOrderedTimersWithManyCancelsMatchASortedModel() {
        // most timers come in deadline order (the run), some out of order (the heap); many are cancelled
        // (timeouts left early), which makes the run compact itself; ties across both stay FIFO
        Random random = new Random(17);
        TimerHeap heap = new TimerHeap();
        TreeSet<Entry> model = new TreeSet<>(ORDER);
        List<Entry> recent = new ArrayList<>();
        List<Long> fired = new ArrayList<>();
        long now = 0;
        long latest = 0;
        long seq = 0;
        for (int step = 0; step < 300_000; step++) {
            int op = random.nextInt(20);
            if (op < 12) {
                long deadline = op < 10 ? (latest += random.nextInt(3)) : now + random.nextInt(Math.max(1, (int) (latest - now) + 5));
                long id = seq++;
                Entry e = new Entry(deadline, id, heap.runAt(deadline, () -> fired.add(id)));
                model.add(e);
                recent.add(e);
            } else if (op < 18 && !recent.isEmpty()) {
                Entry e = recent.remove(random.nextInt(recent.size()));
                e.timer().cancel();
                model.remove(e);
                assertFalse(e.timer().pending());
            } else {
                now += random.nextInt(4);
                latest = Math.max(latest, now);
                fired.clear();
                List<Long> expected = new ArrayList<>();
                while (!model.isEmpty() && model.first().deadline() <= now) {
                    expected.add(model.pollFirst().seq());
                }
                long next = heap.fireDue(now, failOnError());
                assertEquals(expected, fired, "timers fired at " + now);
                assertEquals(model.isEmpty() ? -1 : model.first().deadline() - now, next);
            }
            assertEquals(model.size(), heap.size());
            if (step % 50_000 == 0) {
                assertEquals(model.size(), heap.snapshot().length);
                for (TimerHeap.Timer t : heap.snapshot()) {
                    assertTrue(t.pending());
                }
            }
            if (recent.size() > 5_000) {
                recent.subList(0, 2_500).clear();
            }
        }
        heap.clear();
        assertEquals(0, heap.size());
        assertEquals(0, heap.snapshot().length);
        for (Entry e : model) {
            assertFalse(e.timer().pending());
        }
    }
}
