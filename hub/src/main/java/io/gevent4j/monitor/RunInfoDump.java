package io.gevent4j.monitor;

import io.gevent4j.Gevent;
import io.gevent4j.core.internal.JdkSignals;

import java.io.PrintStream;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Prints every hub and greenlet, with what each waits on and its stack ({@link Gevent#formatRunInfo()}),
 * when the process receives a signal: start the JVM with {@code -Dgevent4j.dumpOnSignal=USR2} (read
 * when the first hub is created) or call {@link #installOnSignal(String)}, then {@code kill -USR2 <pid>}.
 * The dump goes to {@code System.err}. ({@code SIGQUIT} belongs to the JVM's own thread dump, which shows
 * the hubs' threads but not parked greenlets; {@code jcmd <pid> Thread.dump_to_file} shows those.)
 *
 * <p>The handler uses {@code sun.misc.Signal} of the {@code jdk.unsupported} module, through the
 * greenlet-core shim {@code io.gevent4j.core.internal.JdkSignals}.
 */
public final class RunInfoDump {
    /** The system property naming the signal, e.g. {@code USR2}; read when the first hub is created. */
    public static final String PROPERTY = "gevent4j.dumpOnSignal";

    private static final Set<String> INSTALLED = ConcurrentHashMap.newKeySet();
    private static volatile boolean propertyRead;

    private RunInfoDump() {
    }

    /**
     * Installs the handler named by {@value #PROPERTY}, if it is set; only the first call reads it.
     *
     * @throws IllegalArgumentException if the property names a signal that cannot be handled
     */
    public static void installFromSystemProperty() {
        if (propertyRead) {
            return;
        }
        propertyRead = true; // once, even when malformed: one clear error from the first hub only
        String value = System.getProperty(PROPERTY);
        if (value != null && !value.isBlank()) {
            try {
                installOnSignal(value);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("gevent4j: -D" + PROPERTY + "=" + value + " is not valid: " + e.getMessage(), e);
            }
        }
    }

    /**
     * Prints the run info of every hub on {@code System.err} each time the process receives {@code signal}.
     * Installing the same signal twice does nothing.
     *
     * @param signal the signal's name without {@code SIG}, e.g. {@code USR2} or {@code USR1}
     * @throws IllegalArgumentException if the signal is unknown or reserved by the JVM (QUIT, for one)
     */
    public static void installOnSignal(String signal) {
        String name = JdkSignals.normalise(signal);
        if (INSTALLED.contains(name)) {
            return;
        }
        try {
            JdkSignals.install(name, received -> dump(System.err, "signal " + received));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + " (for the run-info dump: USR2 or USR1)", e);
        }
        INSTALLED.add(name);
    }

    /**
     * Prints the run info of every hub, under a header line.
     *
     * @param out where to print
     * @param why what asked for it, shown in the header
     */
    public static void dump(PrintStream out, String why) {
        String info = Gevent.formatRunInfo();
        synchronized (out) {
            out.println("gevent4j run info (" + why + ") at " + Instant.now() + ":");
            out.print(info.isEmpty() ? "  no hubs\n" : info);
            out.println("gevent4j run info end");
            out.flush();
        }
    }
}
