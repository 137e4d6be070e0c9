package io.gevent4j;

import org.junit.jupiter.api.AfterEach;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Shared by the hub tests: after each test the current thread's hub must have no greenlet left (gevent's
 * leak check), and is closed so that the next test starts on a fresh hub.
 */
abstract class HubTestSupport {

    /** A body that may throw, for {@link #captureStderr}. */
    @FunctionalInterface
    interface Body {
        void run() throws Exception;
    }

    @AfterEach
    void closeHubAndCheckForLeftovers() throws Exception {
        Hub hub = Hub.currentOrNull();
        if (hub == null) {
            return;
        }
        Thread.interrupted(); // a test that interrupted itself must not break the close
        List<Greenlet<?>> left = hub.liveGreenlets();
        int timers = hub.pendingTimers();
        hub.close();
        assertEquals(List.of(), left, "the test left greenlets behind");
        assertEquals(0, timers, "the test left timers behind");
    }

    /**
     * Runs {@code body} with System.err captured (and echoed afterwards to the real stderr).
     *
     * @return what was printed to System.err
     */
    static String captureStderr(Body body) throws Exception {
        PrintStream real = System.err;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(buffer, true, StandardCharsets.UTF_8);
        System.setErr(capture);
        try {
            body.run();
        } finally {
            System.setErr(real);
        }
        String text = buffer.toString(StandardCharsets.UTF_8);
        real.print(text);
        return text;
    }

    /** @return how many times {@code needle} occurs in {@code text} */
    static int count(String text, String needle) {
        Matcher m = Pattern.compile(Pattern.quote(needle)).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    /** @return how many times the hub reported a failure with this exception (its "failed with" header) */
    static int reports(String stderr, String exception) {
        return count(stderr, "failed with java.lang." + exception + System.lineSeparator());
    }

    /** Lets the hub run one turn: every greenlet and callback ready now runs once. */
    static void turn() throws InterruptedException {
        Gevent.sleep(0);
    }
}
