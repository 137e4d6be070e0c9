package io.gevent4j;

import io.gevent4j.core.GreenletExit;
import io.gevent4j.event.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** kill and killAll (gevent's test__greenlet.py TestKill*, TestStart). */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class KillTest extends HubTestSupport {

    private enum How { START, START_LATER, CREATED, RUNNING }

    private enum Killer { BLOCK, NON_BLOCK, KILLALL_BLOCK, KILLALL_NON_BLOCK }

    private static void kill(Greenlet<?> g, Killer killer) throws InterruptedException {
        switch (killer) {
            case BLOCK -> assertTrue(g.kill(new GreenletExit(), true, null));
            case NON_BLOCK -> g.kill(new GreenletExit(), false, null);
            case KILLALL_BLOCK -> Gevent.killAll(List.of(g));
            case KILLALL_NON_BLOCK -> Gevent.killAll(List.of(g), new GreenletExit(), false, null);
        }
    }

    private static void assertKilled(Greenlet<?> g) {
        assertTrue(g.dead(), g.toString());
        assertTrue(g.ready());
        assertTrue(g.started());
        assertTrue(g.killed());
        assertTrue(g.successful(), "a kill counts as success, as in gevent");
        assertNull(g.exception());
        assertNull(g.value());
        assertTrue(g.isCancelled());
        assertTrue(g.isDone());
    }

    /** Port of gevent's TestKill, TestKillAfterStart, TestKillAfterStartLater and TestKillWhileRunning. */
    private void checkKill(How how, Killer killer) throws Exception {
        List<String> ran = new ArrayList<>();
        List<Greenlet<?>> linked = new ArrayList<>();
        Greenlet<Void> g = Greenlet.create(() -> {
            if (how == How.RUNNING) {
                Gevent.sleep(10_000);
            }
            ran.add("body ran to the end");
            return null;
        });
        g.link(linked::add);
        switch (how) {
            case START -> g.start();
            case START_LATER -> g.startLater(Duration.ofSeconds(10));
            case CREATED -> { }
            case RUNNING -> {
                g.start();
                turn();
                assertFalse(g.dead());
            }
        }
        kill(g, killer);
        if (killer == Killer.NON_BLOCK || killer == Killer.KILLALL_NON_BLOCK) {
            g.join(); // a greenlet that already ran gets the GreenletExit at its next turn
        }
        assertKilled(g);
        turn(); // links run on the hub
        assertKilled(g);
        kill(g, killer); // a second kill does no harm
        assertKilled(g);
        turn();
        assertEquals(List.of(), ran, how + " / " + killer);
        assertEquals(List.of(g), linked, "the link runs once");
        assertEquals(0, Hub.current().pendingTimers(), "the start-later timer is cancelled");
    }

    @Test
    void killEveryWay() throws Exception {
        for (How how : How.values()) {
            for (Killer killer : Killer.values()) {
                checkKill(how, killer);
            }
        }
    }

    @Test
    void killingASpawnedGreenletThatHasNotRunMakesItDeadAtOnce() throws Exception {
        List<String> ran = new ArrayList<>();
        Greenlet<Void> g = Gevent.spawn(() -> {
            ran.add("ran");
        });
        assertTrue(g.kill(new GreenletExit(), false, null));
        assertTrue(g.dead(), "like gevent, a greenlet killed before it ran is dead at once");
        Gevent.joinAll(List.of(g));
        turn();
        assertEquals(List.of(), ran);
        assertThrows(CancellationException.class, g::get);
    }

    @Test
    void killWhileSleepingRunsFinallyBlocksAndStopsTheRest() throws Exception {
        List<String> log = new ArrayList<>();
        Greenlet<Void> g = Gevent.spawn(() -> {
            try {
                log.add("sleeping");
                Gevent.sleep(10_000);
                log.add("woke");
            } finally {
                log.add("finally");
            }
        });
        turn();
        long start = System.nanoTime();
        g.kill();
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "kill did not wait for the sleep");
        assertEquals(List.of("sleeping", "finally"), log);
        assertKilled(g);
        assertEquals(0, Hub.current().pendingTimers(), "the sleep's timer is cancelled");
    }

    @Test
    void nonBlockingKillReturnsBeforeTheGreenletDies() throws Exception {
        Event never = new Event();
        Greenlet<Void> g = Gevent.spawn(() -> {
            never.await();
        });
        turn();
        assertFalse(g.kill(new GreenletExit(), false, null), "not dead yet when a non-blocking kill returns");
        assertFalse(g.dead(), "the kill is delivered when the hub runs it");
        assertTrue(g.join(Duration.ofSeconds(10)));
        assertKilled(g);
    }

    @Test
    void killWithATimeoutGivesUpOnAGreenletThatIgnoresTheKill() throws Exception {
        Event release = new Event();
        Greenlet<String> stubborn = Gevent.spawn(() -> {
            try {
                release.await();
            } catch (GreenletExit ignored) {
                release.await();
            }
            return "survived";
        });
        turn();
        assertFalse(stubborn.kill(new GreenletExit(), true, Duration.ofMillis(20)));
        assertFalse(stubborn.dead());
        release.set();
        assertEquals("survived", stubborn.get());
    }

    @Test
    void killWithAnotherExceptionFailsTheGreenlet() throws Exception {
        Greenlet<Void> g = Gevent.spawn(() -> {
            Gevent.sleep(10_000);
        });
        turn();
        IllegalStateException reason = new IllegalStateException("shutting down");
        String err = captureStderr(() -> {
            assertTrue(g.kill(reason, true, null));
            ExecutionException e = assertThrows(ExecutionException.class, g::get);
            assertSame(reason, e.getCause());
            turn();
        });
        assertFalse(g.successful());
        assertFalse(g.killed());
        assertEquals(0, count(err, "shutting down"), "observed through get(): " + err);
    }

    @Test
    void aGreenletCanKillItself() throws Exception {
        List<String> log = new ArrayList<>();
        Greenlet<?>[] self = new Greenlet<?>[1];
        Greenlet<Void> g = Gevent.spawn(() -> {
            log.add("before");
            self[0].kill();
            log.add("after");
        });
        self[0] = g;
        g.join();
        assertEquals(List.of("before"), log);
        assertKilled(g);
    }

    @Test
    void killAllKillsEveryOneAndWaits() throws Exception {
        List<Greenlet<Void>> all = new ArrayList<>();
        List<String> finished = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            int n = i;
            all.add(Gevent.spawn(() -> {
                try {
                    Gevent.sleep(10_000);
                } finally {
                    finished.add("g" + n);
                }
            }));
        }
        turn();
        Gevent.killAll(all);
        assertTrue(all.stream().allMatch(Greenlet::killed));
        assertEquals(10, finished.size());
    }

    @Test
    void killAllFromAGreenletThatIsInTheListSkipsItself() throws Exception {
        List<Greenlet<?>> all = new ArrayList<>();
        Greenlet<Void> other = Gevent.spawn(() -> {
            Gevent.sleep(10_000);
        });
        Greenlet<Boolean> killer = Gevent.spawn(() -> Gevent.killAll(all, new GreenletExit(), true, Duration.ofSeconds(10)));
        all.add(other);
        all.add(killer);
        assertTrue(killer.get());
        assertTrue(other.killed());
    }

    @Test
    void cancelKillsWithoutWaiting() throws Exception {
        Greenlet<Void> g = Gevent.spawn(() -> {
            Gevent.sleep(10_000);
        });
        turn();
        assertTrue(g.cancel(true));
        g.join();
        assertTrue(g.isCancelled());
        assertFalse(g.cancel(true), "a dead greenlet cannot be cancelled again");
    }

    @Test
    void aKillIsNotLostWhenATimeoutExpiresBeforeItIsDelivered() throws Exception {
        // The kill and the Timeout both reach the greenlet before it runs again: both must be delivered,
        // so that catching the Timeout does not swallow the kill.
        Event never = new Event();
        List<String> log = new ArrayList<>();
        Greenlet<Void> g = Gevent.spawn(() -> {
            try (var t = io.gevent4j.Timeout.start(Duration.ofMillis(1))) {
                never.await();
            } catch (io.gevent4j.Timeout t) {
                log.add("timeout caught");
            }
            never.await(); // must be ended by the kill
            log.add("not killed");
        });
        turn(); // g parks with its Timeout armed
        long due = System.nanoTime() + 2_000_000L;
        while (System.nanoTime() < due) {
            Thread.onSpinWait(); // let the Timeout become due without turning the loop
        }
        // In the next turn: this callback kills g (g becomes ready), then the due Timeout fires into g.
        Hub.current().callSoon(() -> {
            try {
                g.kill(new GreenletExit(), false, null);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        assertTrue(g.join(Duration.ofSeconds(10)), "the kill was lost");
        assertTrue(g.killed());
        assertFalse(log.contains("not killed"), log.toString());
    }

    /** Waits (spinning, without turning the hub) until the greenlet is parked by the JDK, outside the hub. */
    private static void awaitParkedOutsideTheHub(Greenlet<?> g) {
        while (g.thread().getState() != Thread.State.WAITING && g.thread().getState() != Thread.State.TIMED_WAITING) {
            Thread.onSpinWait();
        }
    }

    @Test
    void killIsHonouredForAGreenletBlockedInAJdkWait() throws Exception {
        // A latch, a socket accept, an unpatched Thread.sleep: the JDK parks the greenlet, and the kill
        // reaches it by interrupting it. It must end as killed, not as failed with an InterruptedException.
        CountDownLatch never = new CountDownLatch(1);
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            List<Greenlet<Void>> blocked = List.of(
                    Gevent.spawn(() -> {
                        never.await();
                    }),
                    Gevent.spawn(() -> {
                        server.accept().close();
                    }),
                    Gevent.spawn(() -> {
                        Thread.sleep(60_000);
                    }));
            turn();
            String err = captureStderr(() -> {
                for (Greenlet<Void> g : blocked) {
                    awaitParkedOutsideTheHub(g);
                    assertTrue(g.kill(new GreenletExit(), true, Duration.ofSeconds(10)), g.toString());
                    assertTrue(g.killed(), g + " died of " + g.failure());
                    assertNull(g.exception());
                }
                turn();
            });
            assertEquals("", err, "a kill is not a failure");
        }
    }
}
