package io.gevent4j.monkey.programs;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Plain {@code Thread.sleep} in a greenlet pinned to the hub's thread: each sleep happens in a static
 * initializer, where a virtual thread cannot unmount, so the sleep blocks the hub's thread and the
 * hub's timer cannot end it. Three cases, each printed as {@code key=value} lines:
 * <ul>
 *   <li>{@code sleptMs}, {@code ticksDuring}, {@code ticksAfter}: a 300 ms sleep while another greenlet
 *       ticks every 10 ms: how long it lasted, how many ticks fell inside it (none: the hub was
 *       blocked, which shows the sleeper was pinned) and after it (the hub goes on);</li>
 *   <li>{@code spuriousSleptMs}, {@code spuriousUnparked}: a 300 ms sleep whose virtual thread a platform
 *       thread unparks while it is parked: it must still last 300 ms;</li>
 *   <li>{@code interrupt}: a 20 s sleep that a platform thread interrupts while it is parked: how long it
 *       lasted and whether the interrupt flag was cleared as the JDK does.</li>
 * </ul>
 */
public final class PinnedSleep {
    /** How long each of the short pinned sleeps lasts, in milliseconds. */
    public static final long SLEEP_MS = 300;

    /** The greenlet sleeping in a class initializer, for the platform thread that disturbs it. */
    static volatile Thread pinned;
    /** Set once that sleep is over (so the platform thread stops waiting for it to park). */
    static volatile boolean pinnedDone;

    private PinnedSleep() {
    }

    /** Sleeps in its static initializer while a ticker runs. */
    private static final class SleepsInInit {
        static final long[] SPAN = sleepSpan();
    }

    /** Sleeps in its static initializer while a platform thread unparks it. */
    private static final class UnparkedInInit {
        static final long[] SPAN = sleepSpan();
    }

    /** Sleeps in its static initializer until a platform thread interrupts it. */
    private static final class InterruptedInInit {
        static final String OUTCOME = sleepUntilInterrupted();
    }

    /**
     * Runs the program; prints its findings as {@code key=value} lines.
     *
     * @param args none
     * @throws Exception whatever the program throws (the child's exit status then shows it)
     */
    public static void main(String[] args) throws Exception {
        tickerCase();
        spuriousCase();
        interruptCase();
    }

    private static void tickerCase() throws Exception {
        List<Long> ticks = new ArrayList<>(); // greenlets of one hub: one thread touches it at a time
        boolean[] stop = new boolean[1];
        Greenlet<Void> ticker = Gevent.spawn(() -> {
            while (!stop[0]) {
                ticks.add(System.nanoTime());
                Thread.sleep(10);
            }
        });
        Greenlet<long[]> sleeper = Gevent.spawn(() -> {
            while (ticks.size() < 3) {
                Thread.sleep(5);
            }
            long[] span = SleepsInInit.SPAN;
            // the hub goes on after the pinned sleep: wait for three more ticks
            while (ticks.stream().filter(t -> t > span[1]).count() < 3) {
                Thread.sleep(5);
            }
            stop[0] = true;
            return span;
        });
        Gevent.joinAll(List.of(ticker, sleeper), null, true, 2);
        long[] span = sleeper.get();
        System.out.println("sleptMs=" + (span[1] - span[0]) / 1_000_000);
        System.out.println("ticksDuring=" + ticks.stream().filter(t -> t > span[0] && t < span[1]).count());
        System.out.println("ticksAfter=" + ticks.stream().filter(t -> t > span[1]).count());
    }

    private static void spuriousCase() throws Exception {
        pinned = null;
        pinnedDone = false;
        boolean[] unparked = new boolean[1];
        Thread disturber = Thread.ofPlatform().start(() -> {
            if (awaitPinnedParked()) {
                LockSupport.unpark(pinned);
                unparked[0] = true;
            }
        });
        Greenlet<long[]> sleeper = Gevent.spawn(() -> UnparkedInInit.SPAN);
        long[] span = sleeper.get();
        disturber.join();
        System.out.println("spuriousSleptMs=" + (span[1] - span[0]) / 1_000_000);
        System.out.println("spuriousUnparked=" + unparked[0]);
    }

    private static void interruptCase() throws Exception {
        pinned = null;
        pinnedDone = false;
        Thread interrupter = Thread.ofPlatform().start(() -> {
            if (awaitPinnedParked()) {
                pinned.interrupt();
            }
        });
        Greenlet<String> sleeper = Gevent.spawn(() -> InterruptedInInit.OUTCOME);
        System.out.println("interrupt=" + sleeper.get());
        interrupter.join();
    }

    /**
     * On a platform thread: waits until the pinned greenlet is parked in its timed sleep.
     *
     * @return true once it is; false if its sleep ended first
     */
    private static boolean awaitPinnedParked() {
        while (!pinnedDone) {
            Thread t = pinned;
            if (t != null && t.getState() == Thread.State.TIMED_WAITING) {
                return true;
            }
            LockSupport.parkNanos(1_000_000); // a platform thread: the JDK's own park
        }
        return false;
    }

    /** Sleeps {@link #SLEEP_MS} (in a class initializer); returns the start and end on the nanoTime scale. */
    private static long[] sleepSpan() {
        pinned = Thread.currentThread();
        long t0 = System.nanoTime();
        try {
            Thread.sleep(SLEEP_MS);
        } catch (InterruptedException e) {
            throw new IllegalStateException("nobody interrupts this sleep", e);
        } finally {
            pinnedDone = true;
        }
        return new long[] {t0, System.nanoTime()};
    }

    /** Sleeps 20 s (in a class initializer) unless interrupted; says what happened. */
    private static String sleepUntilInterrupted() {
        pinned = Thread.currentThread();
        long t0 = System.nanoTime();
        try {
            Thread.sleep(20_000);
            return "notInterrupted";
        } catch (InterruptedException e) {
            return "interruptedAfterMs:" + (System.nanoTime() - t0) / 1_000_000 + ",flagAfter:"
                    + Thread.currentThread().isInterrupted();
        } finally {
            pinnedDone = true;
        }
    }
}
