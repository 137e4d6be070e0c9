package io.gevent4j.monkey.internal;

import org.junit.jupiter.api.Test;

import java.util.Collections;
import java.util.IdentityHashMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** How the main patch makes an exception thrown by main look as it does without the agent. */
class MainRunnerTest {
    private static StackTraceElement frame(String type, String method) {
        return new StackTraceElement(type, method, type + ".java", 1);
    }

    @Test
    void trimCutsTheGreenletFramesBelowMainFromTheErrorAndItsCauses() {
        StackTraceElement[] inGreenlet = {
            frame("app.Util", "fail"), frame("app.Main", "main"), frame("jdk.internal.reflect.DirectMethodHandleAccessor", "invoke"),
            frame("io.gevent4j.monkey.internal.MainRunner", "lambda$run$0"), frame("java.lang.VirtualThread", "run"),
        };
        IllegalStateException cause = new IllegalStateException("cause");
        cause.setStackTrace(inGreenlet.clone());
        RuntimeException error = new RuntimeException("error", cause);
        error.setStackTrace(inGreenlet.clone());
        IllegalStateException suppressed = new IllegalStateException("suppressed");
        suppressed.setStackTrace(inGreenlet.clone());
        error.addSuppressed(suppressed);

        MainRunner.trim(error, "app.Main", Collections.newSetFromMap(new IdentityHashMap<>()));

        StackTraceElement[] expected = {frame("app.Util", "fail"), frame("app.Main", "main")};
        assertArrayEquals(expected, error.getStackTrace());
        assertArrayEquals(expected, cause.getStackTrace());
        assertArrayEquals(expected, suppressed.getStackTrace());
    }

    @Test
    void trimKeepsTheOutermostMainOfARecursiveMainAndLeavesOtherTracesAlone() {
        StackTraceElement[] recursive = {
            frame("app.Main", "main"), frame("app.Main", "main"), frame("java.lang.VirtualThread", "run"),
        };
        RuntimeException error = new RuntimeException("recursive");
        error.setStackTrace(recursive.clone());
        RuntimeException unrelated = new RuntimeException("unrelated");
        StackTraceElement[] other = {frame("other.Thing", "run")};
        unrelated.setStackTrace(other.clone());
        error.initCause(unrelated);

        MainRunner.trim(error, "app.Main", Collections.newSetFromMap(new IdentityHashMap<>()));

        assertEquals(2, error.getStackTrace().length);
        assertArrayEquals(other, unrelated.getStackTrace());
    }
}
