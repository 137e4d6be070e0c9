package io.gevent4j;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Greenlets that died of an exception whose report is still deferred (waiting to see whether a joiner
 * calls {@code get()}); printed at JVM exit if still unobserved, so that a failure is never lost when
 * the program ends right after a plain {@code join}. Process-wide; any thread.
 */
final class UnobservedFailures {
    private static final Set<Greenlet<?>> UNREPORTED = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(UnobservedFailures::reportAtExit, "gevent4j-unreported-failures"));
    }

    private UnobservedFailures() {
    }

    static void add(Greenlet<?> g) {
        UNREPORTED.add(g);
    }

    static boolean remove(Greenlet<?> g) {
        return UNREPORTED.remove(g);
    }

    private static void reportAtExit() {
        for (Greenlet<?> g : UNREPORTED) {
            if (UNREPORTED.remove(g) && !g.observed()) {
                g.hub().reportError(g + " (reported at exit)", g.failure());
            }
        }
    }
}
