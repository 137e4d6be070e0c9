package io.gevent4j.internal.jfr;

import jdk.jfr.FlightRecorder;

/**
 * Whether JFR is running in this JVM. Callers check it before touching an event class: JFR instruments
 * an event class only if it is loaded after JFR has started, so loading ours earlier (at the first spawn
 * of a program that starts a recording later, with {@code jcmd JFR.start}) would keep them silent for
 * the life of the JVM. The check is one volatile read.
 */
public final class Jfr {
    private Jfr() {
    }

    /** {@return true once the flight recorder has been started in this JVM} */
    public static boolean active() {
        return FlightRecorder.isInitialized();
    }
}
