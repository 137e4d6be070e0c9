package io.gevent4j;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Gevent#startThreadsAsGreenlets} without the agent (the hub's own tests run in API mode): the
 * action runs, its threads stay platform threads and nothing is handed back, which is the fallback a
 * caller relies on. Under the agent the patch-agent's self-test and the http module's tests check the
 * conversion.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class StartThreadsAsGreenletsTest {
    @Test
    void withoutTheAgentThreadsStayThreadsAndNothingIsHandedBack() throws Exception {
        AtomicBoolean platform = new AtomicBoolean();
        Thread[] started = new Thread[1];
        List<Greenlet<?>> greenlets = Gevent.run(() -> Gevent.startThreadsAsGreenlets(() -> {
            started[0] = new Thread(() -> platform.set(!Thread.currentThread().isVirtual()));
            started[0].start();
        }));
        started[0].join();
        assertTrue(platform.get(), "a platform thread ran the task");
        assertEquals(List.of(), greenlets);
    }

    @Test
    void theActionsExceptionComesOutAndTheScopeEnds() throws Exception {
        IllegalStateException thrown = new IllegalStateException("on purpose");
        IllegalStateException seen = assertThrows(IllegalStateException.class,
                () -> Gevent.run(() -> Gevent.startThreadsAsGreenlets(() -> {
                    throw thrown;
                })));
        assertSame(thrown, seen);
        assertFalse(io.gevent4j.spi.AgentSupport.inThreadStartScope(), "no scope is left behind on this thread");
    }

    @Test
    void nestedScopesEachEndAndRestoreTheOuterOne() throws Exception {
        boolean[] inScope = new boolean[3];
        Gevent.run(() -> Gevent.startThreadsAsGreenlets(() -> {
            inScope[0] = io.gevent4j.spi.AgentSupport.inThreadStartScope();
            Gevent.startThreadsAsGreenlets(() -> inScope[1] = io.gevent4j.spi.AgentSupport.inThreadStartScope());
            inScope[2] = io.gevent4j.spi.AgentSupport.inThreadStartScope();
        }));
        assertTrue(inScope[0] && inScope[1] && inScope[2], java.util.Arrays.toString(inScope));
        assertFalse(io.gevent4j.spi.AgentSupport.inThreadStartScope());
    }
}
