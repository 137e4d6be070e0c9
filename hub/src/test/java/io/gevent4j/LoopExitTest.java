package io.gevent4j;

import io.gevent4j.core.LoopExit;
import io.gevent4j.event.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** LoopExit: "This operation would block forever", with a dump that explains why. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LoopExitTest extends HubTestSupport {

    @Test
    void greenletsJoiningEachOtherRaiseLoopExitInTheCallerWithADump() throws Exception {
        Greenlet<?>[] pair = new Greenlet<?>[2];
        Greenlet<Void> a = Gevent.spawn(() -> {
            pair[1].join();
        }).name("waits-for-b");
        Greenlet<Void> b = Gevent.spawn(() -> {
            pair[0].join();
        }).name("waits-for-a");
        pair[0] = a;
        pair[1] = b;
        LoopExit exit = assertThrows(LoopExit.class, a::join);
        String message = exit.getMessage();
        assertTrue(message.startsWith("This operation would block forever"), message);
        assertTrue(message.contains("waits-for-b waits on Greenlet[\"waits-for-a\""), message);
        assertTrue(message.contains("waits-for-a waits on Greenlet[\"waits-for-b\""), message);
        assertTrue(message.contains("the hub's own thread \"" + Thread.currentThread().getName()
                + "\" waits on Greenlet[\"waits-for-b\""), message);
        assertTrue(message.contains("2 live greenlet(s), 0 not run yet, 2 waiting in the hub"), message);
        // the hub is still usable: killing them works
        Gevent.killAll(List.of(a, b));
        assertTrue(a.killed());
        assertTrue(b.killed());
    }

    @Test
    void waitingOnAnEventNobodyCanSetRaisesLoopExit() {
        Event never = new Event();
        LoopExit exit = assertThrows(LoopExit.class, never::await);
        assertTrue(exit.getMessage().contains("waits on Event[unset"), exit.getMessage());
    }

    @Test
    void aGreenletStuckForeverIsNamedInTheDump() throws Exception {
        Event never = new Event();
        Greenlet<Void> stuck = Gevent.spawn(() -> {
            never.await();
        }).name("stuck-one");
        LoopExit exit = assertThrows(LoopExit.class, stuck::join);
        assertTrue(exit.getMessage().contains("stuck-one waits on Event[unset, 1 waiting]"), exit.getMessage());
        assertTrue(exit.getMessage().contains("age "), exit.getMessage());
        stuck.kill();
    }

    @Test
    void aPendingTimerIsNotALoopExit() throws Exception {
        Event later = new Event();
        Hub.current().callLater(Duration.ofMillis(20), later::set);
        assertTrue(later.await(null));
    }

    @Test
    void outstandingThreadPoolWorkIsNotALoopExit() throws Exception {
        var result = io.gevent4j.threadpool.ThreadPool.ofCurrentHub().spawn(() -> {
            Thread.sleep(50);
            return "from a worker";
        });
        assertEquals("from a worker", result.get());
    }

    @Test
    void aWaitWithATimeoutIsNotALoopExit() throws Exception {
        Event never = new Event();
        assertFalse(never.await(Duration.ofMillis(10)));
    }
}
