package io.gevent4j.core.internal;


import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.util.concurrent.Executor;

/**
 * The one place in gevent4j that reaches into the JDK: the package-private constructor
 * {@code java.lang.ThreadBuilders$VirtualThreadBuilder(Executor)}, which builds virtual threads whose
 * continuations are submitted to an executor of ours instead of the JDK's ForkJoinPool.
 *
 * <p>The check runs once, on first use, and fails with one sentence naming the JDK that was found and
 * the flag (or the agent) that is needed.
 */
public final class JdkSupport {
    /** The JVM flag that opens what greenlets need; the patch agent opens it by itself. */
    public static final String ADD_OPENS_FLAG = "--add-opens java.base/java.lang=ALL-UNNAMED";
    /** The first JDK feature release gevent4j runs on. */
    public static final int REQUIRED_FEATURE = 25;

    private static final MethodHandle VIRTUAL_THREAD_BUILDER;
    /** {@code java.lang.VirtualThread.carrierThread}, read by monitors; null if this JDK hides it. */
    private static final VarHandle CARRIER_THREAD = carrierThreadHandle();
    /** Why this JVM cannot host greenlets, or null; greenlet-core's Carrier raises it as an UnsupportedRuntimeException. */
    private static final String FAILURE;
    private static final Throwable FAILURE_CAUSE;

    static {
        MethodHandle handle = null;
        String failure = null;
        Throwable cause = null;
        int feature = Runtime.version().feature();
        String found = "JDK " + Runtime.version() + " (" + System.getProperty("java.home") + ")";
        if (feature < REQUIRED_FEATURE) {
            failure = "gevent4j needs JDK " + REQUIRED_FEATURE
                    + " or newer but is running on " + found + "; set JAVA_HOME to a JDK 25 "
                    + "(e.g. Temurin 25 from https://adoptium.net) or start it with ./gevent4j, which finds one.";
        } else {
            try {
                Class<?> builderClass = Class.forName("java.lang.ThreadBuilders$VirtualThreadBuilder");
                MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(builderClass, MethodHandles.lookup());
                handle = lookup.findConstructor(builderClass, MethodType.methodType(void.class, Executor.class))
                        .asType(MethodType.methodType(Thread.Builder.OfVirtual.class, Executor.class));
            } catch (IllegalAccessException | RuntimeException e) {
                failure = "gevent4j cannot create greenlets on " + found
                        + " because java.lang is not opened to it; start the JVM with " + ADD_OPENS_FLAG
                        + " or with the gevent4j agent (-javaagent:gevent4j-agent.jar), which opens it for you.";
                cause = e;
            } catch (ReflectiveOperationException e) {
                failure = "gevent4j cannot find the virtual-thread scheduler hook"
                        + " (java.lang.ThreadBuilders$VirtualThreadBuilder(Executor)) on " + found
                        + "; run it on JDK " + REQUIRED_FEATURE + " (e.g. Temurin 25 from https://adoptium.net).";
                cause = e;
            }
        }
        VIRTUAL_THREAD_BUILDER = handle;
        FAILURE = failure;
        FAILURE_CAUSE = cause;
    }

    private JdkSupport() {
    }

    /**
     * Why this JVM cannot host greenlets, in one sentence saying what to do (greenlet-core raises it as
     * an {@code UnsupportedRuntimeException}: this shim knows no gevent4j type).
     *
     * @return the reason, or {@code null} if greenlets can run here
     */
    public static String unsupportedReason() {
        return FAILURE;
    }

    /** {@return the JDK's exception behind {@link #unsupportedReason()}, or {@code null}} */
    public static Throwable unsupportedCause() {
        return FAILURE_CAUSE;
    }

    /**
     * A virtual-thread builder whose threads run their continuations on {@code scheduler}.
     *
     * @param scheduler receives each continuation to run
     * @return a new builder; builders are not thread-safe
     */
    public static Thread.Builder.OfVirtual virtualThreadBuilder(Executor scheduler) {
        if (FAILURE != null) {
            throw new IllegalStateException(FAILURE, FAILURE_CAUSE);
        }
        try {
            return (Thread.Builder.OfVirtual) VIRTUAL_THREAD_BUILDER.invokeExact(scheduler);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("creating a virtual-thread builder failed", e);
        }
    }

    private static VarHandle carrierThreadHandle() {
        try {
            Class<?> vthread = Class.forName("java.lang.VirtualThread");
            return MethodHandles.privateLookupIn(vthread, MethodHandles.lookup()).findVarHandle(vthread, "carrierThread", Thread.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // Only the blocking detector's "which greenlet is running" answer depends on it; it falls back.
            System.getLogger("io.gevent4j").log(System.Logger.Level.DEBUG, "VirtualThread.carrierThread not readable", e);
            return null;
        }
    }

    /**
     * The platform thread a virtual thread is mounted on right now, for monitors (racy by nature).
     *
     * @param virtualThread a virtual thread
     * @return its carrier thread, or {@code null} if it is not mounted or this JDK does not tell
     */
    public static Thread mountedOn(Thread virtualThread) {
        if (CARRIER_THREAD == null || !virtualThread.isVirtual()) {
            return null;
        }
        return (Thread) CARRIER_THREAD.getVolatile(virtualThread);
    }

    /** {@return true if {@link #mountedOn(Thread)} can answer on this JDK} */
    public static boolean canTellMountedCarrier() {
        return CARRIER_THREAD != null;
    }

    /**
     * Starts the JDK's socket poller threads from the calling platform thread. A virtual thread created
     * without an explicit scheduler inherits the scheduler of the virtual thread that creates it; the
     * JDK starts its poller threads lazily, so if the first socket operation of the process ran inside
     * a greenlet, the pollers would land on that greenlet's carrier and stall every other carrier once
     * it ends. Loading {@code sun.nio.ch.Poller} here, on a platform thread, prevents that.
     */
    public static void startJdkPollers() {
        if (Thread.currentThread().isVirtual()) {
            return;
        }
        try {
            Class.forName("sun.nio.ch.Poller", true, null);
        } catch (ClassNotFoundException e) {
            // A JDK without sun.nio.ch.Poller has no poller threads that could be inherited.
            System.getLogger("io.gevent4j").log(System.Logger.Level.DEBUG, "sun.nio.ch.Poller not present", e);
        }
    }
}
