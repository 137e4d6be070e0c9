package io.gevent4j.internal;

import io.gevent4j.TimerHandle;
import io.gevent4j.core.Strand;

import java.util.Arrays;

/**
 * The hub's timers: a binary min-heap ordered by deadline, then by insertion order (so timers due at
 * the same instant run FIFO). Insert and cancel are O(log n); each timer knows its index in the heap,
 * so a cancel removes it at once instead of leaving a tombstone. A timer either wakes a strand (a
 * sleep or a wait timeout: no callback object is allocated) or runs a callback. Hub thread only.
 */
public final class TimerHeap {
    /** One scheduled timer. */
    public static final class Timer implements TimerHandle {
        private final TimerHeap heap;
        final long deadline;
        final long sequence;
        final Strand wake;
        final Runnable action;
        int index = -1;
        boolean fired;

        Timer(TimerHeap heap, long deadline, long sequence, Strand wake, Runnable action) {
            this.heap = heap;
            this.deadline = deadline;
            this.sequence = sequence;
            this.wake = wake;
            this.action = action;
        }

        @Override
        public void cancel() {
            if (index >= 0) {
                heap.remove(this);
            }
        }

        @Override
        public boolean pending() {
            return index >= 0;
        }

        /** {@return true once the timer has fired} */
        public boolean fired() {
            return fired;
        }

        /** {@return the deadline on the {@link System#nanoTime()} scale} */
        public long deadline() {
            return deadline;
        }

        @Override
        public String toString() {
            long inMillis = (deadline - System.nanoTime()) / 1_000_000;
            return "timer due in " + inMillis + " ms" + (wake != null ? " waking " + wake.name() : "");
        }
    }

    /** Receives a timer callback's exception. */
    public interface ErrorSink {
        /**
         * @param timer the timer whose callback failed
         * @param error what it threw
         */
        void timerFailed(Timer timer, Throwable error);
    }

    private Timer[] heap = new Timer[64];
    private int size;
    private long sequence;

    /** {@return the number of scheduled timers} */
    public int size() {
        return size;
    }

    /**
     * Schedules a wake-up of {@code strand} at {@code deadline}.
     *
     * @param deadline on the {@link System#nanoTime()} scale
     * @param strand the strand to unpark
     * @return the timer
     */
    public Timer wakeAt(long deadline, Strand strand) {
        return add(new Timer(this, deadline, sequence++, strand, null));
    }

    /**
     * Schedules {@code action} at {@code deadline}.
     *
     * @param deadline on the {@link System#nanoTime()} scale
     * @param action the callback
     * @return the timer
     */
    public Timer runAt(long deadline, Runnable action) {
        return add(new Timer(this, deadline, sequence++, null, action));
    }

    private Timer add(Timer timer) {
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        timer.index = size;
        heap[size++] = timer;
        siftUp(timer.index);
        return timer;
    }

    /**
     * Fires every timer due at {@code now}, in deadline order.
     *
     * @param now the current {@link System#nanoTime()}
     * @param errors receives a callback's exception; the other timers still fire
     * @return nanoseconds until the next timer (at least 1), or -1 if none is left
     */
    public long fireDue(long now, ErrorSink errors) {
        while (size > 0) {
            Timer top = heap[0];
            if (top.deadline - now > 0) {
                return top.deadline - now;
            }
            remove(top);
            top.fired = true;
            if (top.wake != null) {
                top.wake.unpark();
            } else {
                try {
                    top.action.run();
                } catch (Throwable error) {
                    errors.timerFailed(top, error);
                }
            }
        }
        return -1;
    }

    /** {@return a copy of the scheduled timers, for dumps} */
    public Timer[] snapshot() {
        return Arrays.copyOf(heap, size);
    }

    /** Cancels every timer. */
    public void clear() {
        for (int i = 0; i < size; i++) {
            heap[i].index = -1;
            heap[i] = null;
        }
        size = 0;
    }

    private void remove(Timer timer) {
        int i = timer.index;
        timer.index = -1;
        Timer last = heap[--size];
        heap[size] = null;
        if (i == size) {
            return;
        }
        heap[i] = last;
        last.index = i;
        siftDown(i);
        if (heap[i] == last) {
            siftUp(i);
        }
    }

    private static boolean before(Timer a, Timer b) {
        long d = a.deadline - b.deadline;
        return d < 0 || (d == 0 && a.sequence < b.sequence);
    }

    private void siftUp(int i) {
        Timer t = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            Timer p = heap[parent];
            if (!before(t, p)) {
                break;
            }
            heap[i] = p;
            p.index = i;
            i = parent;
        }
        heap[i] = t;
        t.index = i;
    }

    private void siftDown(int i) {
        Timer t = heap[i];
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            Timer c = heap[child];
            int right = child + 1;
            if (right < size && before(heap[right], c)) {
                child = right;
                c = heap[child];
            }
            if (!before(c, t)) {
                break;
            }
            heap[i] = c;
            c.index = i;
            i = child;
        }
        heap[i] = t;
        t.index = i;
    }
}
