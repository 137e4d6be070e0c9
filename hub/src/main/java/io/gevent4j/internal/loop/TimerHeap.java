package io.gevent4j.internal.loop;

import io.gevent4j.core.Strand;

import java.util.Arrays;

/**
 * The hub's timers: a 4-ary min-heap ordered by deadline, then by insertion order (so timers due at
 * the same instant run FIFO). Insert and cancel are O(log n); each timer knows its index in the heap,
 * so a cancel removes it at once instead of leaving a tombstone. A timer either wakes a strand (a
 * sleep or a wait timeout: no callback object is allocated) or runs a callback. Hub thread only.
 *
 * <p>Each heap slot's deadline is also kept in a parallel {@code long[]} (libev's "4-heap with cached
 * timestamps"): sifting compares deadlines read from one contiguous array, where the four children of
 * a slot share a cache line, instead of dereferencing a {@code Timer} per comparison; and a 4-ary heap
 * is half as deep as a binary one. With 100,000 or 1,000,000 sleepers the heap no longer fits in the
 * CPU caches, and popping the next due timer was dominated by those cache misses.
 *
 * <p>Timers added in deadline order, the common case of many sleeps or timeouts of one length, skip
 * the heap: while a new timer is due no earlier than the last one of the <em>run</em> (a FIFO ring of
 * timers in deadline order) it is appended there, in O(1), and the next due timer is the earlier of the
 * run's head and the heap's top. A sift moves a timer per level and writes its index, a cache miss per
 * level once a million timers are spread over a heap of a gigabyte (a million sleeping greenlets); the
 * run touches one timer per add and per fire. A timer cancelled in the run stays there, marked, until
 * it reaches the head, or until cancelled ones are half the run, which then is compacted.
 */
public final class TimerHeap {
    /**
     * One scheduled timer. A layer above may subclass it to give it a public face (the hub's
     * {@code TimerHandle}) and schedule it with {@link #add}.
     */
    public static class Timer {
        // 40 bytes with compressed oops: a million sleepers keep a million of these alive
        TimerHeap heap;
        final long deadline;
        /**
         * Insertion order, to run timers of the same deadline FIFO; an int compared with wrap-around
         * ({@code a - b < 0}), which is exact while the timers of one deadline were added within 2^31
         * timers of each other.
         */
        int sequence;
        /** The {@link Strand} to unpark or the {@link Runnable} to run: one field for either. */
        final Object target;
        /** Its heap slot; {@link #IN_RUN} while in the run; -1 once fired, cancelled, or never scheduled. */
        int index = -1;
        boolean fired;

        /**
         * A timer that wakes {@code wake} or, if that is null, runs {@code action}.
         *
         * @param deadline on the {@link System#nanoTime()} scale
         * @param wake the strand to unpark, or {@code null}
         * @param action the callback, if {@code wake} is null
         */
        protected Timer(long deadline, Strand wake, Runnable action) {
            this.deadline = deadline;
            this.target = wake != null ? wake : action;
        }

        /** Stops the timer if it has not fired yet. Idempotent; loop thread only. */
        public void cancel() {
            if (index == IN_RUN) {
                heap.cancelInRun(this);
            } else if (index >= 0) {
                heap.remove(this);
            }
        }

        /** {@return true while scheduled: neither fired nor cancelled} */
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

        /** {@return the strand this timer unparks, or {@code null} for a timer that runs a callback} */
        public Strand wakes() {
            return target instanceof Strand wake ? wake : null;
        }

        @Override
        public String toString() {
            long inMillis = (deadline - System.nanoTime()) / 1_000_000;
            return "timer due in " + inMillis + " ms" + (target instanceof Strand wake ? " waking " + wake.name() : "");
        }
    }

    /** Receives a timer callback's exception. */
    public interface TimerErrors {
        /**
         * @param timer the timer whose callback failed
         * @param error what it threw
         */
        void timerFailed(Timer timer, Throwable error);
    }

    /** {@link Timer#index} of a timer in the run. */
    static final int IN_RUN = Integer.MAX_VALUE;
    /** Compact the run once it holds more than this many cancelled timers and they are half of it. */
    private static final int RUN_COMPACT_MIN = 64;

    private Timer[] heap = new Timer[64];
    /** {@code deadlines[i] == heap[i].deadline} for every slot in use. */
    private long[] deadlines = new long[64];
    private int size;
    private int sequence;
    /** The run: a ring (power-of-two length) of timers in deadline order, cancelled ones included. */
    private Timer[] run = new Timer[64];
    private int runHead;
    private int runCount;
    private int runCancelled;
    /** The last timer appended to the run (cancelled or not): a new one joins the run if due no earlier. */
    private Timer runTail;

    /** {@return the number of scheduled timers} */
    public int size() {
        return size + runCount - runCancelled;
    }

    /**
     * Schedules a wake-up of {@code strand} at {@code deadline}.
     *
     * @param deadline on the {@link System#nanoTime()} scale
     * @param strand the strand to unpark
     * @return the timer
     */
    public Timer wakeAt(long deadline, Strand strand) {
        return add(new Timer(deadline, strand, null));
    }

    /**
     * Schedules {@code action} at {@code deadline}.
     *
     * @param deadline on the {@link System#nanoTime()} scale
     * @param action the callback
     * @return the timer
     */
    public Timer runAt(long deadline, Runnable action) {
        return add(new Timer(deadline, null, action));
    }

    /**
     * Schedules a timer made by the caller (a subclass).
     *
     * @param timer a new timer, never scheduled before
     * @param <T> its type
     * @return the timer
     * @throws IllegalStateException if it was scheduled before
     */
    public <T extends Timer> T add(T timer) {
        if (timer.heap != null) {
            throw new IllegalStateException(timer + " was scheduled before; make a new timer");
        }
        timer.heap = this;
        timer.sequence = sequence++;
        if (runCount == 0 || timer.deadline - runTail.deadline >= 0) {
            appendToRun(timer);
            return timer;
        }
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
            deadlines = Arrays.copyOf(deadlines, size * 2);
        }
        int i = size++;
        heap[i] = timer;
        deadlines[i] = timer.deadline;
        timer.index = i;
        siftUp(i);
        return timer;
    }

    /**
     * Fires every timer due at {@code now}, in deadline order.
     *
     * @param now the current {@link System#nanoTime()}
     * @param errors receives a callback's exception; the other timers still fire
     * @return nanoseconds until the next timer (at least 1), or -1 if none is left
     */
    public long fireDue(long now, TimerErrors errors) {
        while (true) {
            Timer top;
            boolean fromRun;
            if (runCount == 0) {
                if (size == 0) {
                    return -1;
                }
                top = heap[0];
                fromRun = false;
            } else {
                Timer first = run[runHead]; // never a cancelled one: cancelInRun drops those from the head
                fromRun = size == 0 || runsFirst(first, heap[0], deadlines[0]);
                top = fromRun ? first : heap[0];
            }
            long due = top.deadline - now;
            if (due > 0) {
                return due;
            }
            if (fromRun) {
                popRunHead();
                top.index = -1;
                dropCancelledHead();
            } else {
                remove(top);
            }
            top.fired = true;
            if (top.target instanceof Strand wake) {
                wake.unpark();
            } else {
                try {
                    ((Runnable) top.target).run();
                } catch (Throwable error) {
                    errors.timerFailed(top, error);
                }
            }
        }
    }

    /** Whether {@code a} (of the run) is due before {@code b} (the heap's top, due at {@code bDeadline}). */
    private static boolean runsFirst(Timer a, Timer b, long bDeadline) {
        long d = a.deadline - bDeadline;
        return d < 0 || (d == 0 && a.sequence - b.sequence < 0);
    }

    /** {@return a copy of the scheduled timers, for dumps} */
    public Timer[] snapshot() {
        Timer[] all = Arrays.copyOf(heap, size());
        int n = size;
        for (int k = 0; k < runCount; k++) {
            Timer t = run[(runHead + k) & (run.length - 1)];
            if (t.index == IN_RUN) {
                all[n++] = t;
            }
        }
        return all;
    }

    private void appendToRun(Timer timer) {
        if (runCount == run.length) {
            run = inOrder(run.length * 2, false);
            runHead = 0;
        }
        run[(runHead + runCount) & (run.length - 1)] = timer;
        runCount++;
        runTail = timer;
        timer.index = IN_RUN;
    }

    private void popRunHead() {
        run[runHead] = null;
        runHead = (runHead + 1) & (run.length - 1);
        runCount--;
        if (runCount == 0) {
            runTail = null;
        }
    }

    /** Pops the cancelled timers at the head of the run, so that its head is always a live timer. */
    private void dropCancelledHead() {
        while (runCount > 0 && run[runHead].index != IN_RUN) {
            popRunHead();
            runCancelled--;
        }
    }

    private void cancelInRun(Timer timer) {
        timer.index = -1;
        runCancelled++;
        dropCancelledHead();
        if (runCancelled > RUN_COMPACT_MIN && runCancelled * 2 > runCount) {
            int live = runCount - runCancelled;
            run = inOrder(Math.max(64, Integer.highestOneBit(Math.max(1, live) * 2 - 1) << 1), true);
            runHead = 0;
            runCount = live;
            runCancelled = 0;
            // runTail stays: a cancelled tail still bounds what may join the run in order
        }
    }

    /** The run's timers from its head, in a new array of {@code length}; only the live ones if {@code liveOnly}. */
    private Timer[] inOrder(int length, boolean liveOnly) {
        Timer[] copy = new Timer[length];
        int n = 0;
        for (int k = 0; k < runCount; k++) {
            Timer t = run[(runHead + k) & (run.length - 1)];
            if (!liveOnly || t.index == IN_RUN) {
                copy[n++] = t;
            }
        }
        return copy;
    }

    /** Cancels every timer. */
    public void clear() {
        for (int i = 0; i < size; i++) {
            heap[i].index = -1;
            heap[i] = null;
        }
        size = 0;
        for (int k = 0; k < runCount; k++) {
            int slot = (runHead + k) & (run.length - 1);
            run[slot].index = -1;
            run[slot] = null;
        }
        runHead = 0;
        runCount = 0;
        runCancelled = 0;
        runTail = null;
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
        deadlines[i] = last.deadline;
        last.index = i;
        siftDown(i);
        if (heap[i] == last) {
            siftUp(i);
        }
    }

    /** Whether the timer in slot {@code a} runs before the one in slot {@code b}. */
    private boolean before(int a, int b) {
        long d = deadlines[a] - deadlines[b];
        return d < 0 || (d == 0 && heap[a].sequence - heap[b].sequence < 0);
    }

    /** Moves the timer at {@code i} towards the root while it runs before its parent. */
    private void siftUp(int i) {
        Timer t = heap[i];
        long deadline = deadlines[i];
        while (i > 0) {
            int parent = (i - 1) >>> 2;
            long d = deadline - deadlines[parent];
            if (d > 0 || (d == 0 && t.sequence - heap[parent].sequence > 0)) {
                break;
            }
            move(parent, i);
            i = parent;
        }
        place(t, deadline, i);
    }

    /** Moves the timer at {@code i} towards the leaves while one of its (up to four) children runs first. */
    private void siftDown(int i) {
        Timer t = heap[i];
        long deadline = deadlines[i];
        while (true) {
            int first = 4 * i + 1;
            if (first >= size) {
                break;
            }
            int best = first;
            int end = Math.min(first + 4, size);
            for (int c = first + 1; c < end; c++) {
                if (before(c, best)) {
                    best = c;
                }
            }
            long d = deadlines[best] - deadline;
            if (d > 0 || (d == 0 && heap[best].sequence - t.sequence > 0)) {
                break;
            }
            move(best, i);
            i = best;
        }
        place(t, deadline, i);
    }

    private void move(int from, int to) {
        Timer t = heap[from];
        heap[to] = t;
        deadlines[to] = deadlines[from];
        t.index = to;
    }

    private void place(Timer t, long deadline, int i) {
        heap[i] = t;
        deadlines[i] = deadline;
        t.index = i;
    }
}
