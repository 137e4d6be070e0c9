package io.gevent4j;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One error sink a user can replace (gevent's {@code hub.handle_error} / {@code exception_stream}):
 * every error a hub survives goes to its handler, or to the process-wide one, instead of
 * {@code System.err}; a handler that fails loses nothing.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ErrorHandlerTest extends HubTestSupport {

    @Test
    void aHubsHandlerGetsUnobservedFailuresCallbacksTimersAndLinksAndStderrStaysQuiet() throws Exception {
        Hub hub = Hub.current();
        List<String> seen = new ArrayList<>();
        hub.setErrorHandler((context, error) -> seen.add(error.getMessage()));
        try {
            String err = captureStderr(() -> {
                Gevent.spawn(() -> {
                    throw new IllegalStateException("greenlet");
                }).join();
                hub.callSoon(() -> {
                    throw new IllegalStateException("callback");
                });
                hub.callLater(java.time.Duration.ZERO, () -> {
                    throw new IllegalStateException("timer");
                });
                io.gevent4j.event.Event e = new io.gevent4j.event.Event();
                e.rawlink(w -> {
                    throw new IllegalStateException("link");
                });
                e.set();
                turn();
                turn();
                turn();
            });
            assertTrue(seen.containsAll(List.of("greenlet", "callback", "timer", "link")), seen.toString());
            assertFalse(err.contains("IllegalStateException"), err);
        } finally {
            hub.setErrorHandler(null);
        }
    }

    @Test
    void theDefaultHandlerServesEveryHubWithoutItsOwnAndAFailingHandlerLosesNothing() throws Exception {
        List<String> seen = new ArrayList<>();
        Hub.setDefaultErrorHandler((context, error) -> {
            synchronized (seen) {
                seen.add(error.getMessage());
            }
        });
        try {
            Hub.current().callSoon(() -> {
                throw new IllegalStateException("to the default");
            });
            turn();
            synchronized (seen) {
                assertEquals(List.of("to the default"), seen);
            }
            Hub.current().setErrorHandler((context, error) -> {
                throw new IllegalArgumentException("the handler broke");
            });
            String err = captureStderr(() -> {
                Hub.current().callSoon(() -> {
                    throw new IllegalStateException("still reported");
                });
                turn();
            });
            assertTrue(err.contains("still reported"), err);
            assertTrue(err.contains("the handler broke"), err);
        } finally {
            Hub.current().setErrorHandler(null);
            Hub.setDefaultErrorHandler(null);
        }
    }
}
