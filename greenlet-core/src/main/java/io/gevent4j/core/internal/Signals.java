package io.gevent4j.core.internal;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Locale;

/**
 * Signal handlers through {@code sun.misc.Signal} of the {@code jdk.unsupported} module, reached by
 * reflection so that nothing of it appears in gevent4j's API.
 */
public final class Signals {
    private Signals() {
    }

    /**
     * The signal's canonical name: upper case, without {@code SIG}.
     *
     * @param signal e.g. {@code usr2} or {@code SIGUSR2}
     * @return e.g. {@code USR2}
     */
    public static String canonicalName(String signal) {
        String name = signal.trim().toUpperCase(Locale.ROOT);
        return name.startsWith("SIG") ? name.substring(3) : name;
    }

    /**
     * Runs {@code action} on the JVM's signal-dispatch thread each time the process receives {@code signal}.
     *
     * @param signal the canonical name (see {@link #canonicalName})
     * @param action what to run; it must not block for long
     * @throws IllegalArgumentException if the signal is unknown or reserved by the JVM (QUIT, for one)
     * @throws IllegalStateException if this JVM has no {@code sun.misc.Signal} or the handler cannot be installed
     */
    public static void handle(String signal, Runnable action) {
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            Object sig = signalClass.getConstructor(String.class).newInstance(signal);
            Object handler = Proxy.newProxyInstance(Signals.class.getClassLoader(), new Class<?>[] {handlerClass},
                    (proxy, method, args) -> {
                        if (method.getName().equals("handle")) {
                            action.run();
                            return null;
                        }
                        return switch (method.getName()) {
                            case "toString" -> "gevent4j handler of SIG" + signal;
                            case "hashCode" -> System.identityHashCode(proxy);
                            case "equals" -> proxy == args[0];
                            default -> throw new IllegalStateException("unreachable: SignalHandler has no method " + method);
                        };
                    });
            signalClass.getMethod("handle", signalClass, handlerClass).invoke(null, sig, handler);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IllegalArgumentException iae) {
                throw new IllegalArgumentException("SIG" + signal + " cannot be used (" + iae.getMessage()
                        + "); use USR2 or USR1", iae);
            }
            throw new IllegalStateException("gevent4j: installing a handler for SIG" + signal + " failed", cause);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("gevent4j: this JVM has no sun.misc.Signal (module jdk.unsupported);"
                    + " use Gevent.formatRunInfo() from your own code, or jcmd <pid> Thread.dump_to_file", e);
        }
    }
}
