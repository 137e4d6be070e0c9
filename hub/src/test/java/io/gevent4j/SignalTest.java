package io.gevent4j;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hub.signal: a real signal sent to this JVM with kill(1) runs the handler on the hub, in a greenlet.
 * SIGHUP is safe here: the handler is installed before the signal is sent, and the JVM's own HUP
 * handler (which would run the shutdown hooks) is restored afterwards.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SignalTest extends HubTestSupport {

    private static void kill(String signal) throws Exception {
        Process p = new ProcessBuilder("kill", "-" + signal, Long.toString(ProcessHandle.current().pid()))
                .inheritIO().start();
        assertEquals(0, p.waitFor(), "kill -" + signal);
    }

    private record Seen(Hub hub, Greenlet<?> greenlet, Thread thread) {
    }

    @Test
    void aRealSignalRunsTheHandlerOnTheHubInAGreenlet() throws Exception {
        try (HubGroup group = HubGroup.of(1)) {
            Hub hub = group.hubs().get(0);
            CompletableFuture<Seen> seen = new CompletableFuture<>();
            SignalHandle handle = hub.signal("SIGHUP", () -> seen.complete(
                    new Seen(Hub.current(), Greenlet.current(), Thread.currentThread())));
            try {
                assertEquals("HUP", handle.signal());
                kill("HUP");
                Seen s = seen.get(30, TimeUnit.SECONDS);
                assertEquals(hub, s.hub(), "ran on the hub it was registered on");
                assertNotNull(s.greenlet(), "ran in a greenlet");
                assertTrue(s.thread().isVirtual(), "a greenlet's thread, not the JVM's signal thread");
                assertEquals("signal-handler SIGHUP", s.greenlet().name());
            } finally {
                handle.cancel();
            }
            handle.cancel(); // idempotent
        }
    }

    @Test
    void theHandlerMayBlockCooperativelyAndEveryRegisteredHubGetsTheSignal() throws Exception {
        CompletableFuture<String> onThisHub = new CompletableFuture<>();
        try (HubGroup group = HubGroup.of(1);
             SignalHandle here = Hub.current().signal("HUP", () -> {
                 try {
                     Gevent.sleep(10); // a cooperative wait inside the handler
                 } catch (InterruptedException e) {
                     throw new IllegalStateException(e);
                 }
                 onThisHub.complete(Thread.currentThread().getName());
             })) {
            CompletableFuture<Hub> onGroupHub = new CompletableFuture<>();
            try (SignalHandle there = group.hubs().get(0).signal("HUP", () -> onGroupHub.complete(Hub.current()))) {
                kill("HUP");
                // this thread's hub runs while the greenlet waits for the handlers
                Gevent.spawn(() -> onThisHub.get(30, TimeUnit.SECONDS)).get();
                assertEquals(group.hubs().get(0), onGroupHub.get(30, TimeUnit.SECONDS));
            }
        }
    }

    @Test
    void unknownAndReservedSignalsFailClearly() {
        Hub hub = Hub.current();
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> hub.signal("NOSUCHSIGNAL", () -> { }));
        assertTrue(unknown.getMessage().contains("unknown signal"), unknown.getMessage());
        IllegalArgumentException reserved = assertThrows(IllegalArgumentException.class,
                () -> hub.signal("QUIT", () -> { }));
        assertTrue(reserved.getMessage().contains("cannot be handled"), reserved.getMessage());
    }
}
