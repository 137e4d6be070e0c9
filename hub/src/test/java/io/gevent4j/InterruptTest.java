package io.gevent4j;

import io.gevent4j.event.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** Thread.interrupt() of a greenlet (or of the hub's thread) wakes its wait with InterruptedException. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class InterruptTest extends HubTestSupport {

    private interface Wait {
        void run() throws Exception;
    }

    private void checkInterruptWakes(Wait wait) throws Exception {
        Greenlet<String> g = Gevent.spawn(() -> {
            try {
                wait.run();
                return "not interrupted";
            } catch (InterruptedException e) {
                return "interrupted, flag " + Thread.currentThread().isInterrupted();
            }
        });
        turn();
        assertFalse(g.dead());
        g.thread().interrupt();
        assertEquals("interrupted, flag false", g.get());
    }

    @Test
    void interruptWakesASleep() throws Exception {
        checkInterruptWakes(() -> Gevent.sleep(10_000));
        assertEquals(0, Hub.current().pendingTimers(), "the sleep's timer is cancelled");
    }

    @Test
    void interruptWakesAJoin() throws Exception {
        Event never = new Event();
        Greenlet<Void> target = Gevent.spawn(() -> {
            never.await();
        });
        checkInterruptWakes(target::join);
        target.kill();
    }

    @Test
    void interruptWakesAnEventWait() throws Exception {
        Event never = new Event();
        checkInterruptWakes(never::await);
    }

    @Test
    void interruptFromAnotherThreadWakesAGreenlet() throws Exception {
        Greenlet<String> g = Gevent.spawn(() -> {
            try {
                Gevent.sleep(10_000);
                return "not interrupted";
            } catch (InterruptedException e) {
                return "interrupted";
            }
        });
        turn();
        Thread other = Thread.ofPlatform().start(() -> g.thread().interrupt());
        assertEquals("interrupted", g.get());
        other.join();
    }

    @Test
    void anInterruptedHubThreadGetsInterruptedExceptionFromABlockingCall() {
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, () -> Gevent.sleep(10_000));
        assertFalse(Thread.currentThread().isInterrupted(), "the exception consumed the interrupt, as in the JDK");
        assertEquals(0, Hub.current().pendingTimers());
    }

    @Test
    void anotherThreadInterruptingTheHubThreadWakesItsWait() throws Exception {
        Thread hubThread = Thread.currentThread();
        CompletableFuture<Void> interrupter = CompletableFuture.runAsync(() -> {
            while (hubThread.getState() != Thread.State.WAITING) {
                Thread.onSpinWait();
            }
            hubThread.interrupt();
        });
        assertThrows(InterruptedException.class, () -> Hub.current().run()); // run() idles: no LoopExit
        interrupter.get();
    }

    @Test
    void aKillStillWorksOnAGreenletThatSwallowsInterrupts() throws Exception {
        Greenlet<Void> g = Gevent.spawn(() -> {
            while (true) {
                try {
                    Gevent.sleep(10_000);
                } catch (InterruptedException ignored) {
                    // a badly behaved greenlet: the kill is still honoured
                }
            }
        });
        turn();
        g.thread().interrupt();
        turn();
        assertFalse(g.dead());
        g.kill();
        assertTrue(g.killed());
    }
}
