package io.gevent4j.internal.loop;

import java.time.Duration;

/**
 * Deadline arithmetic, in one place: every timed wait turns its timeout into a deadline on the
 * {@link System#nanoTime()} scale once, and asks here how much is left after each wake-up. A timeout
 * of {@code null} means no limit ({@link #NONE}); an enormous one is capped at about 70 years, so that
 * the arithmetic never overflows. Compare deadlines by difference, never with {@code <}.
 */
public final class Deadline {
    /** "No limit". */
    public static final long NONE = Long.MIN_VALUE;
    private static final long MAX_NANOS = Long.MAX_VALUE / 4;

    private Deadline() {
    }

    /**
     * @param timeout the longest wait, or {@code null} for no limit; negative counts as zero
     * @return the deadline, or {@link #NONE}
     */
    public static long after(Duration timeout) {
        if (timeout == null) {
            return NONE;
        }
        long nanos;
        try {
            nanos = timeout.toNanos();
        } catch (ArithmeticException tooLong) {
            nanos = timeout.isNegative() ? 0 : MAX_NANOS;
        }
        return afterNanos(nanos);
    }

    /**
     * @param nanos the longest wait; negative counts as zero
     * @return the deadline (never {@link #NONE})
     */
    public static long afterNanos(long nanos) {
        long d = System.nanoTime() + Math.min(MAX_NANOS, Math.max(0, nanos));
        return d == NONE ? d + 1 : d;
    }

    /**
     * @param deadline a deadline or {@link #NONE}
     * @return nanoseconds left (0 once passed), or {@link Long#MAX_VALUE} for {@link #NONE}
     */
    public static long remainingNanos(long deadline) {
        return deadline == NONE ? Long.MAX_VALUE : Math.max(0, deadline - System.nanoTime());
    }

    /**
     * @param deadline a deadline or {@link #NONE}
     * @return the time left (zero once passed), or {@code null} for {@link #NONE}: what a wait taking a
     *         {@code Duration} timeout expects
     */
    public static Duration remaining(long deadline) {
        return deadline == NONE ? null : Duration.ofNanos(remainingNanos(deadline));
    }

    /**
     * @param deadline a deadline or {@link #NONE}
     * @return true once it has passed (never for {@link #NONE})
     */
    public static boolean passed(long deadline) {
        return deadline != NONE && deadline - System.nanoTime() <= 0;
    }

    /**
     * Rounds a wait up to whole milliseconds, as {@code epoll_wait} takes them: a wait never ends early.
     *
     * @param nanos the wait, negative for no limit
     * @return milliseconds, or -1 for no limit
     */
    public static int toMillisCeil(long nanos) {
        return nanos < 0 ? -1 : (int) Math.min(Integer.MAX_VALUE, (nanos + 999_999) / 1_000_000);
    }
}
