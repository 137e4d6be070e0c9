package io.gevent4j.monkey;

import io.gevent4j.monkey.programs.MainSleepTicker;
import io.gevent4j.monkey.programs.PinnedSleep;
import io.gevent4j.monkey.programs.SleepInterrupt;
import io.gevent4j.monkey.programs.Sleepers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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

    /**
     * A greenlet sleeping in a class initializer is pinned to the hub's thread, so the hub's timer cannot
     * end its sleep: the park on the carrier must be bounded by the sleep's deadline (the advice on
     * {@code VirtualThread.parkOnCarrierThread}, also without the hub poller), or the program hangs.
     */
    @ParameterizedTest
    @ValueSource(strings = {"", "nohubpoller"})
    void aGreenletPinnedInAClassInitializerSleepsItsTimeAndTheHubGoesOn(String options) throws Exception {
        ChildJvm.Result r = ChildJvm.agent(options).run(PinnedSleep.class).ok();

        long slept = r.number("sleptMs");
        assertTrue(slept >= PinnedSleep.SLEEP_MS, "the pinned sleep ended early\n" + r);
        assertTrue(slept < 5000, "the pinned sleep of 300 ms took " + slept + " ms\n" + r);
        // no tick while it slept: the sleeper really held the hub's thread (it was pinned)
        assertEquals(0, r.number("ticksDuring"), r.toString());
        assertTrue(r.number("ticksAfter") >= 3, r.toString());

        assertEquals("true", r.value("spuriousUnparked"), r.toString());
        long spurious = r.number("spuriousSleptMs");
        assertTrue(spurious >= PinnedSleep.SLEEP_MS, "an unpark ended the pinned sleep early\n" + r);
        assertTrue(spurious < 5000, "the unparked pinned sleep of 300 ms took " + spurious + " ms\n" + r);

        assertInterruptedSoon(r.value("interrupt"), r);
    }

    /** Interrupted well before the 20 s sleep would end, with the interrupt flag cleared as the JDK does. */
    private static void assertInterruptedSoon(String outcome, ChildJvm.Result r) {
        assertTrue(outcome.startsWith("interruptedAfterMs:") && outcome.endsWith(",flagAfter:false"), r.toString());
        long ms = Long.parseLong(outcome.substring("interruptedAfterMs:".length(), outcome.indexOf(',')));
        assertTrue(ms < 10_000, "the interrupt took " + ms + " ms to wake the sleep\n" + r);
    }
}
