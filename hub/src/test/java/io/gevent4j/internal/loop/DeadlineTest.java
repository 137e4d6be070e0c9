package io.gevent4j.internal.loop;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.temporal.ChronoUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeadlineTest {
    @Test
    void noTimeoutIsNoLimit() {
        assertEquals(Deadline.NONE, Deadline.after(null));
        assertNull(Deadline.remaining(Deadline.NONE));
        assertFalse(Deadline.passed(Deadline.NONE));
        assertEquals(Long.MAX_VALUE, Deadline.remainingNanos(Deadline.NONE));
    }

    @Test
    void zeroAndNegativeTimeoutsHavePassedAndHugeOnesDoNotOverflow() {
        assertTrue(Deadline.passed(Deadline.after(Duration.ZERO)));
        assertTrue(Deadline.passed(Deadline.after(Duration.ofSeconds(-5))));
        assertEquals(Duration.ZERO, Deadline.remaining(Deadline.after(Duration.ofMillis(-1))));
        long forever = Deadline.after(ChronoUnit.FOREVER.getDuration());
        assertFalse(Deadline.passed(forever));
        assertTrue(Deadline.remainingNanos(forever) > Duration.ofDays(365 * 50).toNanos());
    }

    @Test
    void remainingCountsDownAndMillisRoundUp() {
        long d = Deadline.after(Duration.ofSeconds(10));
        long left = Deadline.remainingNanos(d);
        assertTrue(left > Duration.ofSeconds(9).toNanos() && left <= Duration.ofSeconds(10).toNanos(), "left " + left);
        assertEquals(1, Deadline.toMillisCeil(1));
        assertEquals(1, Deadline.toMillisCeil(1_000_000));
        assertEquals(2, Deadline.toMillisCeil(1_000_001));
        assertEquals(0, Deadline.toMillisCeil(0));
        assertEquals(-1, Deadline.toMillisCeil(-1));
    }
}
