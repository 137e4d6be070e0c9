package io.gevent4j.core.internal;

import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The JDK's signal hook, {@code sun.misc.Signal} (module {@code jdk.unsupported}, exported, so no JVM
 * flag is needed; it delegates to {@code jdk.internal.misc.Signal}). The JDK runs a signal's handler
 * on a short-lived "SIGxxx handler" thread of its own; the hub layer hands it to a hub from there.
 * Nothing of {@code sun.misc} appears in this class's signature.
 */
@SuppressWarnings("removal")
public final class JdkSignals {
    private JdkSignals() {
    }

    /**
     * Normalises a signal name: {@code "SIGTERM"}, {@code "term"} and {@code "TERM"} are all {@code "TERM"}.
     *
     * @param name a signal name, with or without the {@code SIG} prefix
     * @return the JDK's name for it
     */
    public static String normalise(String name) {
        Objects.requireNonNull(name, "name");
        String upper = name.trim().toUpperCase(Locale.ROOT);
        return upper.startsWith("SIG") ? upper.substring(3) : upper;
    }

    /**
     * Installs {@code onSignal} as the process's handler of the named signal, replacing the current one.
     *
     * @param name the signal, normalised by {@link #normalise}
     * @param onSignal called on the JDK's signal thread with the signal's name
     * @return the handler that was installed before, to give back to {@link #restore}
     * @throws IllegalArgumentException if the name is unknown or the JVM reserves the signal, saying so
     */
    public static Object install(String name, Consumer<String> onSignal) {
        Objects.requireNonNull(onSignal, "onSignal");
        sun.misc.Signal signal = signal(name);
        try {
            return sun.misc.Signal.handle(signal, s -> onSignal.accept(name));
        } catch (IllegalArgumentException reserved) {
            throw new IllegalArgumentException("gevent4j: the signal SIG" + name + " cannot be handled in this JVM ("
                    + reserved.getMessage() + "): the JVM uses it itself (QUIT dumps threads, USR2 and the fault signals"
                    + " are its own; INT, TERM and HUP are taken over only without -Xrs). Choose another signal", reserved);
        }
    }

    /**
     * Puts back the handler {@link #install} replaced.
     *
     * @param name the signal
     * @param previous what {@link #install} returned
     */
    public static void restore(String name, Object previous) {
        sun.misc.Signal.handle(signal(name), (sun.misc.SignalHandler) previous);
    }

    private static sun.misc.Signal signal(String name) {
        try {
            return new sun.misc.Signal(name);
        } catch (IllegalArgumentException unknown) {
            throw new IllegalArgumentException("gevent4j: unknown signal \"" + name + "\" (" + unknown.getMessage()
                    + "); use a name such as TERM, INT, HUP or USR1, with or without the SIG prefix", unknown);
        }
    }
}
