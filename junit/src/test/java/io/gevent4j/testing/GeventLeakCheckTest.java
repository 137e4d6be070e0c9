package io.gevent4j.testing;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import io.gevent4j.server.StreamServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.Events;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs small test classes through the JUnit engine with {@link GeventLeakCheck} and checks the verdicts. */
@Timeout(60)
class GeventLeakCheckTest {
    static volatile Greenlet<?> leakedGreenlet;
    static volatile StreamServer leakedServer;

    /** Run only through {@link EngineTestKit} by the test above (surefire skips nested classes). */
    @ExtendWith(GeventLeakCheck.class)
    static class Cases {
        @Test
        void clean() throws Exception {
            Gevent.spawn(() -> Gevent.sleep(1)).join();
            Gevent.spawn(() -> 1).join();
        }

        @Test
        void leavesAGreenlet() {
            leakedGreenlet = Gevent.spawn(() -> Gevent.sleep(60_000)).name("leaky-sleeper");
        }

        @Test
        void leavesATimer() {
            Hub.current().callLater(Duration.ofHours(1), () -> { });
        }

        @Test
        void leavesAServer() throws Exception {
            leakedServer = new StreamServer(new InetSocketAddress("127.0.0.1", 0), (socket, peer) -> { }).start();
        }

        @Test
        @AllowLeaks("checks that the opt-out works")
        void leavesAGreenletButMay() {
            Gevent.spawn(() -> Gevent.sleep(60_000)).name("allowed-sleeper");
        }
    }

    @Test
    void leaksFailTheTestNameWhatIsLeftAndAreCleanedUp() {
        Events tests = EngineTestKit.engine("junit-jupiter").selectors(selectClass(Cases.class)).execute().testEvents();
        Map<String, Event> finished = tests.finished().stream()
                .collect(Collectors.toMap(e -> e.getTestDescriptor().getDisplayName(), e -> e));
        assertEquals(5, finished.size(), finished::toString);
        assertTrue(succeeded(finished.get("clean()")), finished::toString);
        assertTrue(succeeded(finished.get("leavesAGreenletButMay()")), finished::toString);
        assertTrue(failure(finished.get("leavesAGreenlet()")).contains("greenlet Greenlet[\"leaky-sleeper\""),
                failure(finished.get("leavesAGreenlet()")));
        assertTrue(failure(finished.get("leavesAGreenlet()")).contains("@AllowLeaks"), failure(finished.get("leavesAGreenlet()")));
        assertTrue(failure(finished.get("leavesATimer()")).contains("pending timer due in"), failure(finished.get("leavesATimer()")));
        assertTrue(failure(finished.get("leavesAServer()")).contains("is still listening"), failure(finished.get("leavesAServer()")));
        assertTrue(leakedGreenlet.dead(), "the leaked greenlet was killed: " + leakedGreenlet);
        assertTrue(leakedServer.closed() && !io.gevent4j.server.ListeningServers.snapshot().contains(leakedServer), "the leaked server was stopped");
    }

    private static boolean succeeded(Event e) {
        return e.getPayload(org.junit.platform.engine.TestExecutionResult.class).orElseThrow().getStatus()
                == org.junit.platform.engine.TestExecutionResult.Status.SUCCESSFUL;
    }

    private static String failure(Event e) {
        return e.getPayload(org.junit.platform.engine.TestExecutionResult.class).orElseThrow().getThrowable()
                .map(Throwable::getMessage).orElse("(passed)");
    }
}
