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
 * The {@code hubpoller} patch in child JVMs under the agent: the same plain-socket program
 * ({@link HubPollerScenarios}) runs with the default options, where a greenlet's socket waits go to
 * its hub's own epoll, and with {@code nohubpoller}, where the JDK's poller threads wake it. Every
 * scenario must behave the same in both; the route itself is checked where each wait is registered.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class HubPollerIT {
    private static final Duration CHILD_LIMIT = Duration.ofSeconds(180);
    private static final String MAIN = HubPollerScenarios.class.getName();

    private static HubPollerChildJvm.Result hub;
    private static HubPollerChildJvm.Result jdk;

    @BeforeAll
    @Timeout(value = 400, unit = TimeUnit.SECONDS)
    static void runTheProgramWithAndWithoutTheHubPoller() throws Exception {
        hub = HubPollerChildJvm.run("", CHILD_LIMIT, MAIN);
        jdk = HubPollerChildJvm.run("nohubpoller", CHILD_LIMIT, MAIN);
    }

    private static long number(Map<String, String> values, String key) {
        return Long.parseLong(values.get(key));
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
    void aGreenletWaitingToReadIsRegisteredInItsHubsEpollNotWithTheJdkPollers() {
        Map<String, String> viaHub = hub.scenario("route");
        assertEquals("1", viaHub.get("hubWaiting"), hub.describe());
        assertEquals("0", viaHub.get("jdkRegistered"), hub.describe());
        assertEquals("5", viaHub.get("value"));
        assertTrue(number(viaHub, "hubWaits") >= 1, hub.describe());

        Map<String, String> viaJdk = jdk.scenario("route");
        assertEquals("0", viaJdk.get("hubWaiting"), jdk.describe());
        assertEquals("1", viaJdk.get("jdkRegistered"), jdk.describe());
        assertEquals("5", viaJdk.get("value"));
        assertEquals("0", viaJdk.get("hubWaits"), jdk.describe());
    }

    @Test
    void twoHundredGreenletClientsEchoThroughOneHub() {
        for (HubPollerChildJvm.Result r : new HubPollerChildJvm.Result[] {hub, jdk}) {
            Map<String, String> echo = r.scenario("echo");
            assertEquals("200", echo.get("finished"), r.describe());
            assertEquals("10000", echo.get("roundTrips"), r.describe());
        }
        assertTrue(number(hub.scenario("echo"), "hubWaits") >= 200, hub.describe());
        assertEquals("0", jdk.scenario("echo").get("hubWaits"), jdk.describe());
    }

    @Test
    void closingTheSocketWakesTheWaitingReaderWithSocketException() {
        for (HubPollerChildJvm.Result r : new HubPollerChildJvm.Result[] {hub, jdk}) {
            Map<String, String> close = r.scenario("close");
            assertEquals("true", close.get("dead"), r.describe());
            assertEquals("java.net.SocketException", close.get("exception"), r.describe());
            assertEquals("Socket_closed", close.get("message"), r.describe());
            assertEquals("0", close.get("hubWaiting"), r.describe());
        }
    }

    @Test
    void soTimeoutStillAppliesAndTheHubRunsMeanwhile() {
        for (HubPollerChildJvm.Result r : new HubPollerChildJvm.Result[] {hub, jdk}) {
            Map<String, String> timeout = r.scenario("timeout");
            assertEquals("java.net.SocketTimeoutException", timeout.get("exception"), r.describe());
            long ms = number(timeout, "ms");
            assertTrue(ms >= 280 && ms < 10_000, "a 300 ms soTimeout took " + ms + " ms\n" + r.describe());
            assertTrue(number(timeout, "ticks") >= 5, "the hub did not run the ticker while the read waited\n" + r.describe());
            assertEquals("9", timeout.get("readAfter"), r.describe());
            assertEquals("0", timeout.get("hubWaiting"), r.describe());
        }
    }

    @Test
    void aKilledWaiterLeavesNoEpollRegistrationAndTheSocketOpen() {
        Map<String, String> kill = hub.scenario("kill");
        assertEquals("true", kill.get("killed"), hub.describe());
        assertEquals("1", kill.get("waiting"), hub.describe());
        long idle = number(kill, "idle");
        assertTrue(idle >= 1, "the hub's epoll should hold at least its eventfd\n" + hub.describe());
        assertEquals(idle + 1, number(kill, "whileWaiting"), hub.describe());
        // the hub keeps a socket's fd registered between waits, a killed one's too, until the socket closes
        assertEquals(idle + 1, number(kill, "afterKill"), hub.describe());
        assertEquals(idle, number(kill, "afterClose"), "a closed socket's fd is still registered in the hub's epoll\n"
                + hub.describe());
        assertEquals("0", kill.get("hubWaiting"), hub.describe());
        assertEquals("true", kill.get("open"), "a kill must not close the socket\n" + hub.describe());
        assertEquals("3", kill.get("secondRead"), hub.describe());

        // with the JDK's pollers the kill is delivered by an interrupt, which closes the socket (JDK behaviour)
        assertEquals("true", jdk.scenario("kill").get("killed"), jdk.describe());
    }

    @Test
    void aSocketThatReusesTheFdOfAClosedSocketIsWokenByItsData() {
        for (HubPollerChildJvm.Result r : new HubPollerChildJvm.Result[] {hub, jdk}) {
            Map<String, String> reuse = r.scenario("reuse");
            assertEquals("true", reuse.get("reused"), "the new sockets did not reuse the old fds\n" + r.describe());
            assertEquals("2", reuse.get("reads"), r.describe());
            assertEquals("0", reuse.get("hubWaiting"), r.describe());
        }
    }

    @Test
    void dataAfterATimedOutReadIsReadAndALaterReadStillTimesOut() {
        for (HubPollerChildJvm.Result r : new HubPollerChildJvm.Result[] {hub, jdk}) {
            Map<String, String> edge = r.scenario("edge");
            assertEquals("timeout", edge.get("first"), r.describe());
            assertEquals("4", edge.get("whileNobodyRead"), r.describe());
            assertEquals("5", edge.get("waited"), r.describe());
            assertEquals("timeout", edge.get("last"), r.describe());
            long ms = number(edge, "lastMs");
            assertTrue(ms >= 180 && ms < 10_000, "a 200 ms soTimeout took " + ms + " ms\n" + r.describe());
            assertEquals("0", edge.get("hubWaiting"), r.describe());
        }
    }

    @Test
    void theEndOfInputAfterAShortReadIsSeen() {
        for (HubPollerChildJvm.Result r : new HubPollerChildJvm.Result[] {hub, jdk}) {
            Map<String, String> eof = r.scenario("eof");
            assertEquals("10/eof", eof.get("together"), r.describe());
            assertEquals("10/eof", eof.get("later"), r.describe());
            assertEquals("0", eof.get("hubWaiting"), r.describe());
        }
    }

    @Test
    void dataAfterAnUrgentByteIsRead() {
        for (HubPollerChildJvm.Result r : new HubPollerChildJvm.Result[] {hub, jdk}) {
            Map<String, String> urgent = r.scenario("urgent");
            assertEquals("abcdef", urgent.get("read"), r.describe());
            assertEquals("0", urgent.get("hubWaiting"), r.describe());
        }
    }

    @Test
    void anInterruptClosesTheSocketAsTheJdkDoes() {
        for (HubPollerChildJvm.Result r : new HubPollerChildJvm.Result[] {hub, jdk}) {
            Map<String, String> interrupt = r.scenario("interrupt");
            assertEquals("java.net.SocketException", interrupt.get("exception"), r.describe());
            assertEquals("Closed_by_interrupt", interrupt.get("message"), r.describe());
            assertEquals("true", interrupt.get("closed"), r.describe());
            assertEquals("0", interrupt.get("hubWaiting"), r.describe());
        }
    }

    @Test
    void aWriteToAFullSocketWaitsForRoom() {
        for (HubPollerChildJvm.Result r : new HubPollerChildJvm.Result[] {hub, jdk}) {
            Map<String, String> write = r.scenario("write");
            assertEquals("true", write.get("writerWasBlocked"), r.describe());
            assertEquals(write.get("expected"), write.get("received"), r.describe());
            assertEquals("0", write.get("hubWaiting"), r.describe());
        }
    }

    @Test
    void aConnectThatCannotCompleteWaitsForPollOutUntilItsTimeout() {
        for (HubPollerChildJvm.Result r : new HubPollerChildJvm.Result[] {hub, jdk}) {
            Map<String, String> connect = r.scenario("connect");
            assertEquals("true", connect.get("timedOut"), "no connect to a full accept queue timed out\n" + r.describe());
            long ms = number(connect, "ms");
            assertTrue(ms >= 380 && ms < 10_000, "a 400 ms connect timeout took " + ms + " ms\n" + r.describe());
            assertTrue(number(connect, "ticks") >= 5, r.describe());
        }
        assertEquals("1", hub.scenario("connect").get("hubWaitingDuringConnect"), hub.describe());
        assertEquals("0", jdk.scenario("connect").get("hubWaitingDuringConnect"), jdk.describe());
    }

    @Test
    void aGreenletPinnedInAClassInitializerStillGetsItsDataAndItsTimeout() {
        for (HubPollerChildJvm.Result r : new HubPollerChildJvm.Result[] {hub, jdk}) {
            Map<String, String> pinned = r.scenario("pinned");
            assertEquals("value:6", pinned.get("read"), r.describe());
            assertEquals("java.net.SocketTimeoutException", pinned.get("timeout"), r.describe());
            long ms = number(pinned, "ms");
            assertTrue(ms >= 180 && ms < 10_000, "a 200 ms soTimeout took " + ms + " ms\n" + r.describe());
            assertEquals("0", pinned.get("hubWaiting"), r.describe());
        }
    }
}
