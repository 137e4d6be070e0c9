package io.gevent4j.monkey;

import io.gevent4j.monkey.programs.PlainThreads;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The opt-in {@code threads} patch: a program with no gevent4j import, written with plain threads. */
@Timeout(120)
class ThreadsPatchIT {
    @Test
    void withTheThreadsOptionPlainThreadsRunAsGreenlets() throws Exception {
        ChildJvm.Result r = ChildJvm.agent("threads").run(PlainThreads.class, "500", "1000").ok();

        assertEquals(500, r.number("virtual"), "not every new Thread(r).start() ran as a greenlet\n" + r);
        assertTrue(r.value("sample").startsWith("VirtualThread[#"), r.toString());
        assertTrue(r.value("sample").contains("worker-"), "the greenlet is not named like its Thread\n" + r);
        assertEquals(500, r.number("slept"), r.toString());
        assertTrue(r.number("elapsedMs") < 5000, "500 sleeps of 1 s took " + r.number("elapsedMs") + " ms\n" + r);
        assertEquals(0, r.number("aliveAfterJoin"), r.toString());
        assertEquals("true", r.value("mainIsVirtual"), r.toString());
        assertTrue(r.value("interrupted").startsWith("true:"), r.toString());
        assertEquals("thrower:thrown by a plain thread", r.value("handler"), r.toString());
        assertEquals("false", r.value("uncaught"), r.toString());
        // main returned without joining them: the JVM waited, as for non-daemon threads
        assertEquals("done", r.value("late"), r.toString());
        assertEquals("done", r.value("nested"), r.toString());
    }

    @Test
    void withoutTheOptionOrTheAgentThreadsStayPlatformThreads() throws Exception {
        ChildJvm.Result defaults = ChildJvm.agent().run(PlainThreads.class, "20", "100").ok();
        ChildJvm.Result noAgent = ChildJvm.noAgent().run(PlainThreads.class, "20", "100").ok();

        for (ChildJvm.Result r : new ChildJvm.Result[] {defaults, noAgent}) {
            assertEquals(0, r.number("virtual"), r.toString());
            assertTrue(r.value("sample").startsWith("Thread[#"), r.toString());
            assertEquals(20, r.number("slept"), r.toString());
            assertEquals(0, r.number("aliveAfterJoin"), r.toString());
            assertTrue(r.value("interrupted").startsWith("true:"), r.toString());
            assertEquals("thrower:thrown by a plain thread", r.value("handler"), r.toString());
            assertEquals("done", r.value("late"), r.toString());
            assertEquals("done", r.value("nested"), r.toString());
        }
        assertEquals("true", defaults.value("mainIsVirtual"), defaults.toString());
        assertEquals("false", noAgent.value("mainIsVirtual"), noAgent.toString());
    }
}
