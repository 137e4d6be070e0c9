package io.gevent4j.core.internal;


import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The one place in gevent4j that reaches into the JDK: the package-private constructor
 * {@code java.lang.ThreadBuilders$VirtualThreadBuilder(Executor)}, which builds virtual threads whose
 * continuations are submitted to an executor of ours instead of the JDK's ForkJoinPool.
 *
 * <p>The check runs once, on first use, and fails with one sentence naming the JDK that was found and
 * the flag (or the agent) that is needed.
 *
 * <p>It also starts greenlets in a thread container of their carrier ({@link #newThreadContainer},
 * {@link #start}), through the package-private {@code Thread.start(ThreadContainer)} that
 * {@code java.lang} being open reaches. That needs {@code jdk.internal.vm} exported to gevent4j; if the
 * JVM options do not export it, it is exported here through the opened {@code java.lang.Module}. If
 * neither works (or {@value #THREAD_CONTAINER_PROPERTY}{@code =false}), greenlets start in the JDK's root
 * container as plain {@code Thread.start()} does: the same behaviour, a slower spawn.
 */
public final class JdkSupport {
    /** The JVM flag that opens what greenlets need; the patch agent opens it by itself. */
    public static final String ADD_OPENS_FLAG = "--add-opens java.base/java.lang=ALL-UNNAMED";
    /** The first JDK feature release gevent4j runs on. */
    public static final int REQUIRED_FEATURE = 25;
    /** The system property that, set to {@code false}, starts greenlets in the JDK's root thread container. */
    public static final String THREAD_CONTAINER_PROPERTY = "gevent4j.carrierThreadContainer";
    private static final String CONTAINER_PACKAGE = "jdk.internal.vm";

    private static final MethodHandle VIRTUAL_THREAD_BUILDER;
    /** {@code java.lang.Thread.inheritableThreadLocals}; null if this JDK hides it. */
    private static final VarHandle INHERITABLE_THREAD_LOCALS = inheritableThreadLocalsHandle();
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

    /**
     * A thread container for the greenlets of one carrier, shown under {@code name} in thread dumps.
     *
     * @param name the container's name
     * @param threads the live threads it holds, for dumps (called from any thread)
     * @return an opaque container for {@link #start}, or {@code null} if this JVM offers none (greenlets
     *         then start in the JDK's root container)
     */
    public static Object newThreadContainer(String name, Supplier<Stream<Thread>> threads) {
        MethodHandle create = Containers.CREATE;
        if (create == null) {
            return null;
        }
        try {
            return (Object) create.invokeExact(name, threads);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("creating the thread container " + name + " failed", e);
        }
    }

    /**
     * Starts {@code thread} in {@code container} ({@code Thread.start()} for a {@code null} container).
     *
     * @param thread an unstarted thread
     * @param container a container from {@link #newThreadContainer}, or {@code null}
     */
    public static void start(Thread thread, Object container) {
        if (container == null) {
            thread.start();
            return;
        }
        try {
            Containers.START.invokeExact(thread, container);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("starting " + thread + " failed", e);
        }
    }

    /** {@return why greenlets start in the JDK's root container, or {@code null} if they have containers of their own} */
    public static String threadContainerUnavailableReason() {
        return Containers.UNAVAILABLE;
    }

    /** The thread-container hooks, resolved on first use; both handles null if unavailable. */
    private static final class Containers {
        /** {@code Thread.start(ThreadContainer)} as {@code (Thread, Object)void}. */
        static final MethodHandle START;
        /** {@code new CarrierThreadContainer(String, Supplier)} as {@code (String, Supplier)Object}. */
        static final MethodHandle CREATE;
        static final String UNAVAILABLE;

        static {
            MethodHandle start = null;
            MethodHandle create = null;
            String unavailable = null;
            if (FAILURE != null) {
                unavailable = FAILURE;
            } else if (!Boolean.parseBoolean(System.getProperty(THREAD_CONTAINER_PROPERTY, "true"))) {
                unavailable = THREAD_CONTAINER_PROPERTY + "=false";
            } else {
                try {
                    Class<?> containerType = Class.forName(CONTAINER_PACKAGE + ".ThreadContainer");
                    exportContainerPackage();
                    start = MethodHandles.privateLookupIn(Thread.class, MethodHandles.lookup())
                            .findVirtual(Thread.class, "start", MethodType.methodType(void.class, containerType))
                            .asType(MethodType.methodType(void.class, Thread.class, Object.class));
                    // loaded only now: linking it needs the export made above
                    Class<?> ours = Class.forName(JdkSupport.class.getPackageName() + ".CarrierThreadContainer");
                    create = MethodHandles.lookup()
                            .findConstructor(ours, MethodType.methodType(void.class, String.class, Supplier.class))
                            .asType(MethodType.methodType(Object.class, String.class, Supplier.class));
                } catch (Throwable e) {
                    // a JDK that moved these internals: greenlets work as before, started in the root container
                    unavailable = "the JDK's thread-container hook is not reachable (" + e + ")";
                    start = null;
                    create = null;
                    System.getLogger("io.gevent4j").log(System.Logger.Level.DEBUG,
                            "gevent4j: greenlets start in the JDK's root thread container", e);
                }
            }
            START = start;
            CREATE = create;
            UNAVAILABLE = unavailable;
        }

        private Containers() {
        }

        /** Exports jdk.internal.vm to this module unless the JVM options did, through the opened java.lang. */
        private static void exportContainerPackage() throws Throwable {
            Module javaBase = Object.class.getModule();
            Module self = JdkSupport.class.getModule();
            if (!javaBase.isExported(CONTAINER_PACKAGE, self)) {
                MethodHandles.privateLookupIn(Module.class, MethodHandles.lookup())
                        .findVirtual(Module.class, "implAddExports", MethodType.methodType(void.class, String.class, Module.class))
                        .invokeExact(javaBase, CONTAINER_PACKAGE, self);
            }
        }
    }

    private static VarHandle inheritableThreadLocalsHandle() {
        try {
            Class<?> mapType = Class.forName("java.lang.ThreadLocal$ThreadLocalMap");
            return MethodHandles.privateLookupIn(Thread.class, MethodHandles.lookup())
                    .findVarHandle(Thread.class, "inheritableThreadLocals", mapType);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // hasInheritableThreadLocals then answers true: threads are made where the JDK's rules expect
            System.getLogger("io.gevent4j").log(System.Logger.Level.DEBUG, "Thread.inheritableThreadLocals not readable", e);
            return null;
        }
    }

    /**
     * Whether a thread made by {@code thread} now would inherit inheritable thread-local values from it.
     *
     * @param thread the would-be creator (the current thread)
     * @return true if it has any, or if this JDK does not tell
     */
    public static boolean hasInheritableThreadLocals(Thread thread) {
        return INHERITABLE_THREAD_LOCALS == null || (Object) INHERITABLE_THREAD_LOCALS.get(thread) != null;
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
