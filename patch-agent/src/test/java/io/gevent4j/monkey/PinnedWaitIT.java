package io.gevent4j.monkey;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A greenlet pinned to its hub's thread while it waits in the hub's epoll (see
 * {@code FdPoller.waitPinned}) still gets its hub's timers (a {@code Timeout}) and a kill from another
 * thread, instead of ignoring both until its fd's event (which never comes here).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PinnedWaitIT {
    @Test
    void aTimeoutAndAKillReachAGreenletPinnedInTheHubsEpoll() throws Exception {
        HubPollerChildJvm.Result r = HubPollerChildJvm.run("", Duration.ofSeconds(90), PinnedWaitScenarios.class.getName());
        assertEquals(0, r.exitCode(), r.describe());
        Map<String, String> timeout = r.scenario("timeout");
        assertEquals("Timeout", timeout.get("outcome"), r.describe());
        assertTrue(Long.parseLong(timeout.get("ms")) < 10_000, r.describe());
        Map<String, String> kill = r.scenario("kill");
        assertEquals("true", kill.get("dead"), r.describe());
        assertTrue(Long.parseLong(kill.get("ms")) < 10_000, r.describe());
    }
}
