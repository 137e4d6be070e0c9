package io.gevent4j.monkey;

import io.gevent4j.monkey.programs.MainSleepTicker;
import io.gevent4j.monkey.programs.SleepInterrupt;
import io.gevent4j.monkey.programs.Sleepers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code sleep} patch: plain {@code Thread.sleep} in greenlets and in main. */
@Timeout(120)
class SleepPatchIT {
    @Test
    void aThousandGreenletsEachSleepingOneSecondFinishInAboutOneSecond() throws Exception {
        ChildJvm.Result r = ChildJvm.agent().run(Sleepers.class, "1000", "1000").ok();

        assertEquals(1000, r.number("finished"), r.toString());
        assertTrue(r.number("minSleptMs") >= 999, "a sleep ended early\n" + r);
        // about one second, not 1,000: a generous bound for a loaded 2-core machine
        assertTrue(r.number("elapsedMs") < 5000, "1,000 sleeps of 1 s took " + r.number("elapsedMs") + " ms\n" + r);
    }

    @Test
    void greenletsRunWhileMainSleepsOnlyWithTheAgent() throws Exception {
        ChildJvm.Result with = ChildJvm.agent().run(MainSleepTicker.class, "500").ok();
        ChildJvm.Result without = ChildJvm.noAgent().run(MainSleepTicker.class, "500").ok();

        assertEquals("true", with.value("mainIsVirtual"), with.toString());
        // 500 ms of 10 ms ticks is ~50; at least 10 even on a loaded machine
        assertTrue(with.number("ticksWhileMainSlept") >= 10, with.toString());
        assertEquals("false", without.value("mainIsVirtual"), without.toString());
        assertEquals(0, without.number("ticksWhileMainSlept"), "without the agent main's sleep holds the hub's thread\n"
                + without);
    }

    @Test
    void interruptsStillWakeSleepsInGreenletsAndInMain() throws Exception {
        ChildJvm.Result r = ChildJvm.agent().run(SleepInterrupt.class).ok();

        assertInterruptedSoon(r.value("greenlet"), r);
        assertInterruptedSoon(r.value("main"), r);
        assertTrue(r.value("preInterrupted").startsWith("thrownAfterMs:"), r.toString());
        assertTrue(Long.parseLong(r.value("preInterrupted").substring("thrownAfterMs:".length())) < 1000, r.toString());
        assertEquals("IllegalArgumentException", r.value("negative"), r.toString());
    }

    /** Interrupted well before the 20 s sleep would end, with the interrupt flag cleared as the JDK does. */
    private static void assertInterruptedSoon(String outcome, ChildJvm.Result r) {
        assertTrue(outcome.startsWith("interruptedAfterMs:") && outcome.endsWith(",flagAfter:false"), r.toString());
        long ms = Long.parseLong(outcome.substring("interruptedAfterMs:".length(), outcome.indexOf(',')));
        assertTrue(ms < 10_000, "the interrupt took " + ms + " ms to wake the sleep\n" + r);
    }
}
