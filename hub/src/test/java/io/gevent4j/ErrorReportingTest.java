package io.gevent4j;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Exceptions are never swallowed and reported once: a greenlet failure nobody observes is printed with
 * the greenlet's name; one observed through get/link/joinAll(raiseError)/a future is not; the hub
 * survives and reports failing callbacks.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ErrorReportingTest extends HubTestSupport {

    private static Greenlet<Void> failing(String name) {
        Greenlet<Void> g = Gevent.spawn(() -> {
            throw new IllegalStateException("boom in " + name);
        });
        return g.name(name);
    }

    @Test
    void anUnobservedFailureIsPrintedOnceWithTheGreenletsNameAndStack() throws Exception {
        String err = captureStderr(() -> {
            Greenlet<Void> g = failing("Worker-7");
            g.join();
            turn();
            turn();
        });
        assertEquals(1, reports(err, "IllegalStateException: boom in Worker-7"), err);
        assertEquals(1, count(err, "gevent4j: Greenlet[\"Worker-7\", failed"), err);
        assertTrue(err.contains("\tat io.gevent4j.ErrorReportingTest"), "with the stack: " + err);
    }

    @Test
    void aFailureIsPrintedAfterAPlainJoinAll() throws Exception {
        String err = captureStderr(() -> {
            Gevent.joinAll(List.of(failing("plain-1"), failing("plain-2")));
            turn();
        });
        assertEquals(1, reports(err, "IllegalStateException: boom in plain-1"), err);
        assertEquals(1, reports(err, "IllegalStateException: boom in plain-2"), err);
    }

    @Test
    void aFailureObservedThroughGetIsNotPrinted() throws Exception {
        String err = captureStderr(() -> {
            Greenlet<Void> joinedThenGot = failing("got-after-join");
            joinedThenGot.join();
            assertThrows(ExecutionException.class, joinedThenGot::get);
            Greenlet<Void> got = failing("got");
            assertThrows(ExecutionException.class, got::get);
            Greenlet<Void> gotWithTimeout = failing("got-with-timeout");
            assertThrows(ExecutionException.class, () -> gotWithTimeout.get(10, TimeUnit.SECONDS));
            Greenlet<Object> getter = Gevent.spawn(() -> failing("got-by-a-greenlet").get());
            getter.join();
            getter.exception();
            turn();
            turn();
        });
        assertEquals(0, count(err, "boom"), err);
    }

    @Test
    void aFailureObservedThroughALinkOrAFutureIsNotPrinted() throws Exception {
        String err = captureStderr(() -> {
            failing("linked").link(x -> { });
            failing("exception-linked").linkException(x -> { });
            failing("future").toCompletableFuture().exceptionally(e -> null);
            Gevent.sleep(10);
        });
        assertEquals(0, count(err, "boom"), err);
    }

    @Test
    void aFailureLinkedOnlyForSuccessIsStillPrinted() throws Exception {
        String err = captureStderr(() -> {
            failing("value-linked").linkValue(x -> { });
            Gevent.sleep(10);
        });
        assertEquals(1, reports(err, "IllegalStateException: boom in value-linked"), err);
    }

    @Test
    void aFailureObservedThroughJoinAllRaiseErrorIsNotPrinted() throws Exception {
        String err = captureStderr(() -> {
            Greenlet<Void> a = failing("raise-a");
            Greenlet<Void> b = failing("raise-b");
            assertThrows(IllegalStateException.class, () -> Gevent.joinAll(List.of(a, b), null, true, 2));
            Gevent.joinAll(List.of(a, b));
            turn();
        });
        assertEquals(0, count(err, "boom"), err);
    }

    @Test
    void killedGreenletsAreNotReported() throws Exception {
        String err = captureStderr(() -> {
            Greenlet<Void> g = Gevent.spawn(() -> {
                Gevent.sleep(10_000);
            });
            turn();
            g.kill();
            turn();
        });
        assertEquals("", err);
    }

    @Test
    void failingCallbacksAreReportedAndTheHubKeepsRunning() throws Exception {
        Hub hub = Hub.current();
        String err = captureStderr(() -> {
            hub.callSoon(() -> {
                throw new IllegalStateException("callSoon callback broke");
            });
            hub.callLater(Duration.ofMillis(1), () -> {
                throw new IllegalStateException("callLater callback broke");
            });
            Greenlet<Integer> g = Gevent.spawn(() -> 1);
            g.link(x -> {
                throw new IllegalStateException("link callback broke");
            });
            Gevent.sleep(20);
            assertEquals(2, Gevent.spawn(() -> 2).get(), "the hub survived");
        });
        for (String what : List.of("callSoon", "callLater", "link")) {
            assertEquals(1, reports(err, "IllegalStateException: " + what + " callback broke"), err);
        }
        assertTrue(err.contains("gevent4j: hub callback failed"), err);
        assertTrue(err.contains("gevent4j: timer callback"), err);
        assertTrue(err.contains("gevent4j: link"), err);
    }

    @Test
    void aGreenletFailingWithAnErrorIsReportedToo() throws Exception {
        String err = captureStderr(() -> {
            Greenlet<Void> g = Gevent.spawn(() -> {
                throw new AssertionError("an Error, not an Exception");
            });
            g.join();
            turn();
        });
        assertEquals(1, reports(err, "AssertionError: an Error, not an Exception"), err);
    }

    @Test
    void joinAllRaiseErrorOfACheckedFailure() throws Exception {
        String err = captureStderr(() -> {
            Greenlet<Void> g = Gevent.spawn(() -> {
                throw new java.io.IOException("checked boom");
            });
            assertThrows(CompletionException.class, () -> Gevent.joinAll(List.of(g), null, true, 1));
            turn();
        });
        assertEquals(0, count(err, "checked boom"), err);
    }

    /** Runs {@link UnobservedAtExitMain} in a child JVM and returns its stdout and stderr. */
    private static String runChildJvm(String... args) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new java.util.ArrayList<>(List.of(java.toString(),
                "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), UnobservedAtExitMain.class.getName()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the child JVM did not exit");
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @Test
    void aFailureIsNotLostWhenTheProgramEndsRightAfterAPlainJoin() throws Exception {
        String out = runChildJvm();
        assertEquals(1, reports(out, "IllegalStateException: failure right before exit"), out);
        assertTrue(out.contains("exit-victim"), out);
        assertTrue(out.contains("reported at exit"), out);
    }

    @Test
    void aFailureObservedRightBeforeExitIsNotReportedAtExit() throws Exception {
        String out = runChildJvm("observe");
        assertEquals("observed: failure right before exit", out.strip(), out);
    }
}
