package io.gevent4j.monkey;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code selector} patch in child JVMs under the agent: the same program ({@link SelectorScenarios})
 * runs with the default options, where a greenlet's {@code Selector.select} waits for the selector in
 * its hub's own epoll, and with {@code noselector}, where the JDK's pollers wake it (JDK 25 parks a
 * virtual thread in a select, so neither blocks the hub's thread). Every scenario must behave the same
 * in both; the route is checked where the wait is registered.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class SelectorPatchIT {
    private static final Duration CHILD_LIMIT = Duration.ofSeconds(120);
    private static final String MAIN = SelectorScenarios.class.getName();

    private static HubPollerChildJvm.Result hub;
    private static HubPollerChildJvm.Result jdk;

    @BeforeAll
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    static void runTheProgramWithAndWithoutThePatch() throws Exception {
        hub = HubPollerChildJvm.run("", CHILD_LIMIT, MAIN);
        jdk = HubPollerChildJvm.run("noselector", CHILD_LIMIT, MAIN);
    }

    private static long number(Map<String, String> values, String key) {
        return Long.parseLong(values.get(key));
    }

    private static HubPollerChildJvm.Result[] both() {
        return new HubPollerChildJvm.Result[] {hub, jdk};
    }

    @Test
    void theProgramsExitNormallyAndMonkeyReportsThePatch() {
        assertEquals(0, hub.exitCode(), hub.describe());
        assertEquals(0, jdk.exitCode(), jdk.describe());
        assertTrue(hub.out().contains("PATCHED true"), hub.describe());
        assertTrue(jdk.out().contains("PATCHED false"), jdk.describe());
        assertTrue(!hub.out().contains("FAIL ") && !jdk.out().contains("FAIL "), hub.describe() + jdk.describe());
    }

    @Test
    void aSelectingGreenletLetsTheOthersRunAndWakesOnReadiness() {
        for (HubPollerChildJvm.Result r : both()) {
            Map<String, String> ready = r.scenario("ready");
            assertTrue(number(ready, "ticks") >= 5, r.describe());
            assertEquals("1", ready.get("selected"), r.describe());
            assertEquals("true", ready.get("readable"), r.describe());
            assertEquals("0", ready.get("hubWaitingAfter"), r.describe());
        }
        assertEquals("1", hub.scenario("ready").get("hubWaiting"), "the select did not wait in the hub's epoll\n" + hub.describe());
        assertEquals("0", jdk.scenario("ready").get("hubWaiting"), jdk.describe());
    }

    @Test
    void wakeupFromAnotherGreenletEndsTheSelect() {
        for (HubPollerChildJvm.Result r : both()) {
            Map<String, String> wakeup = r.scenario("wakeupGreenlet");
            assertEquals("0", wakeup.get("selected"), r.describe());
            assertTrue(number(wakeup, "ticks") >= 5, r.describe());
            assertTrue(number(wakeup, "ms") < 10_000, r.describe());
            assertEquals("0", wakeup.get("hubWaitingAfter"), r.describe());
        }
    }

    @Test
    void wakeupFromAnotherThreadEndsTheSelect() {
        for (HubPollerChildJvm.Result r : both()) {
            Map<String, String> wakeup = r.scenario("wakeupThread");
            assertEquals("0", wakeup.get("selected"), r.describe());
            assertTrue(number(wakeup, "ticks") >= 5, r.describe());
            assertEquals("0", wakeup.get("hubWaitingAfter"), r.describe());
        }
    }

    @Test
    void aTimedSelectReturnsAtItsTimeoutAndTheHubRunsMeanwhile() {
        for (HubPollerChildJvm.Result r : both()) {
            Map<String, String> timeout = r.scenario("timeout");
            assertEquals("0", timeout.get("selected"), r.describe());
            long ms = number(timeout, "ms");
            assertTrue(ms >= 280 && ms < 10_000, "a 300 ms select took " + ms + " ms\n" + r.describe());
            assertTrue(number(timeout, "ticks") >= 5, r.describe());
            assertEquals("0", timeout.get("hubWaitingAfter"), r.describe());
        }
    }

    @Test
    void closingTheSelectorEndsTheSelect() {
        for (HubPollerChildJvm.Result r : both()) {
            Map<String, String> close = r.scenario("close");
            assertEquals("true", close.get("dead"), r.describe());
            assertEquals("0", close.get("value"), r.describe());
            assertEquals("null", close.get("exception"), r.describe());
            assertEquals("false", close.get("open"), r.describe());
            assertEquals("0", close.get("hubWaitingAfter"), r.describe());
        }
    }

    @Test
    void anInterruptEndsTheSelectAndStaysSet() {
        for (HubPollerChildJvm.Result r : both()) {
            Map<String, String> interrupt = r.scenario("interrupt");
            assertEquals("0/true", interrupt.get("outcome"), r.describe());
            assertEquals("true", interrupt.get("open"), r.describe());
            assertEquals("0", interrupt.get("hubWaitingAfter"), r.describe());
        }
    }

    @Test
    void fiftySelectorsOnOneHubAreEachWokenByTheirChannel() {
        for (HubPollerChildJvm.Result r : both()) {
            Map<String, String> many = r.scenario("many");
            assertEquals("50", many.get("woken"), r.describe());
            assertEquals("0", many.get("hubWaitingAfter"), r.describe());
        }
    }
}
