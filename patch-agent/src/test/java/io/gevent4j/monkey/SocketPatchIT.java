package io.gevent4j.monkey;

import io.gevent4j.monkey.programs.HttpReaders;
import io.gevent4j.monkey.programs.MainSocketIo;
import io.gevent4j.monkey.programs.SocketTimeouts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Blocking sockets in greenlets and in main, under the agent. */
@Timeout(120)
class SocketPatchIT {
    @Test
    void twoHundredGreenletsReadingUrlsFromASlowServerWaitTogether() throws Exception {
        ChildJvm.Result r = ChildJvm.agent().run(HttpReaders.class, "200", "500").ok();

        assertEquals(200, r.number("correct"), r.toString());
        // one at a time would hold 1; all 200 at once is usual, fewer only if the first answers go out
        // before the last requests arrive on a very busy machine
        assertTrue(r.number("maxWaiting") >= 50, "the server never held many requests at once\n" + r);
        // about 0.5 s; one at a time would be 100 s
        assertTrue(r.number("elapsedMs") < 5000, "200 reads took " + r.number("elapsedMs") + " ms\n" + r);
    }

    @Test
    void mainReadsASocketWhileSpawnedGreenletsRunOnlyWithTheMainPatch() throws Exception {
        ChildJvm.Result with = ChildJvm.agent().run(MainSocketIo.class, "10000").ok();
        // nomain: the agent is there but main is a plain thread, as without the agent
        ChildJvm.Result without = ChildJvm.agent("nomain").run(MainSocketIo.class, "1500").ok();

        assertEquals("42", with.value("reply"), with.toString());
        // the server greenlet answers after 300 ms: ~30 ticks
        assertTrue(with.number("ticksWhileMainRead") >= 5, with.toString());
        assertEquals("timeout", without.value("reply"), "without the main patch main's read holds the hub's thread,"
                + " so the server greenlet cannot answer\n" + without);
        assertEquals(0, without.number("ticksWhileMainRead"), without.toString());
    }

    @Test
    void soTimeoutStillAppliesToReadAndAcceptInGreenlets() throws Exception {
        ChildJvm.Result r = ChildJvm.agent().run(SocketTimeouts.class, "300").ok();

        for (String call : new String[] {"read", "accept"}) {
            String outcome = r.value(call);
            assertTrue(outcome.startsWith("SocketTimeoutException:"), call + ": " + r);
            long ms = Long.parseLong(outcome.substring("SocketTimeoutException:".length()));
            assertTrue(ms >= 250 && ms < 5000, call + " timed out after " + ms + " ms, not ~300\n" + r);
        }
        assertTrue(r.number("ticks") >= 5, "the other greenlet did not run during the timed-out calls\n" + r);
    }
}
