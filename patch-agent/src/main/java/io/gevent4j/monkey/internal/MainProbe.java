package io.gevent4j.monkey.internal;

import io.gevent4j.Greenlet;

/**
 * A class with a {@code main} method that the agent instruments exactly like the program's main
 * class, so that the self-test can check the main patch before the program's own main runs.
 */
final class MainProbe {
    /** Set by the body of {@link #main}: whether it ran inside a greenlet. */
    static volatile boolean ranInGreenlet;

    private MainProbe() {
    }

    /**
     * The probe's body.
     *
     * @param args empty to return normally; anything else to throw
     */
    static void main(String[] args) {
        ranInGreenlet = Greenlet.current() != null;
        if (args.length > 0) {
            throw new IllegalStateException("gevent4j main-patch self-test: an exception thrown by main");
        }
    }
}
