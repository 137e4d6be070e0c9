package io.gevent4j.monkey.boot;

import java.io.IOException;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * The one class the agent's inlined advice calls. It is defined in the bootstrap class loader at
 * install, so that advice inlined into JDK classes can reach it, and it forwards to the {@link Hooks}
 * the agent installed. Before the agent installs its hooks, or for a thread without a hub, every
 * method says "not handled" and the patched JDK method runs unchanged.
 *
 * <p>This class and {@link Hooks} must not reference any class outside the JDK, and must have no
 * nested classes: the agent defines exactly these two classes in the bootstrap loader.
 */
public final class Dispatch {
    /** Returned by {@link Hooks#offload} for a void method that was handled. */
    public static final Object VOID = new Object();
    /** Returned by {@link Hooks#offload} for a handled call whose result is {@code null}. */
    public static final Object NULL = new Object();

    private static volatile Hooks hooks;
    private static volatile String installed;

    private Dispatch() {
    }

    /**
     * Sets the hooks every patched method forwards to; {@code null} makes every patched method run
     * its original body again.
     *
     * @param newHooks the agent's hooks, or {@code null}
     */
    public static void setHooks(Hooks newHooks) {
        hooks = newHooks;
    }

    /**
     * Records that the agent is installed, with the names of its patches: the one JVM-wide flag
     * that makes a second install a no-op, whichever class loader the second copy comes from.
     *
     * @param patchNames the installed patches, comma-separated
     */
    public static void setInstalled(String patchNames) {
        installed = patchNames;
    }

    /** {@return the patch names given to {@link #setInstalled}, or {@code null} before an install} */
    public static String installed() {
        return installed;
    }

    /** {@return the installed hooks, or {@code null}} */
    public static Hooks hooks() {
        return hooks;
    }

    /**
     * Forwards {@link Hooks#sleep}.
     *
     * @param nanos how long
     * @return true if handled
     * @throws InterruptedException if interrupted
     */
    public static boolean sleep(long nanos) throws InterruptedException {
        Hooks h = hooks;
        return h != null && h.sleep(nanos);
    }

    /**
     * Forwards {@link Hooks#yieldNow}.
     *
     * @return true if handled
     */
    public static boolean yieldNow() {
        Hooks h = hooks;
        return h != null && h.yieldNow();
    }

    /**
     * Forwards {@link Hooks#offload}.
     *
     * @param id the patched method's id
     * @param self the receiver or {@code null}
     * @param args the arguments
     * @return {@code null} if not handled, else the result or a marker
     * @throws Throwable what the call threw
     */
    public static Object offload(int id, Object self, Object[] args) throws Throwable {
        Hooks h = hooks;
        return h == null ? null : h.offload(id, self, args);
    }

    /**
     * Turns a handled result back into the method's return value.
     *
     * @param handled a non-null result of {@link #offload}
     * @return the value to return
     */
    public static Object unwrap(Object handled) {
        return handled == NULL || handled == VOID ? null : handled;
    }

    /**
     * Forwards {@link Hooks#threadStart}.
     *
     * @param thread the thread
     * @return true if handled
     */
    public static boolean threadStart(Thread thread) {
        Hooks h = hooks;
        return h != null && h.threadStart(thread);
    }

    /**
     * Forwards {@link Hooks#threadJoin(Thread, long)}.
     *
     * @param thread the thread
     * @param millis the timeout
     * @return true if handled
     * @throws InterruptedException if interrupted
     */
    public static boolean threadJoin(Thread thread, long millis) throws InterruptedException {
        Hooks h = hooks;
        return h != null && h.threadJoin(thread, millis);
    }

    /**
     * Forwards {@link Hooks#threadJoin(Thread, Duration)}.
     *
     * @param thread the thread
     * @param timeout the timeout
     * @return {@code null} if not handled
     * @throws InterruptedException if interrupted
     */
    public static Boolean threadJoin(Thread thread, Duration timeout) throws InterruptedException {
        Hooks h = hooks;
        return h == null ? null : h.threadJoin(thread, timeout);
    }

    /**
     * Forwards {@link Hooks#threadAlive}.
     *
     * @param thread the thread
     * @return {@code null} if not handled
     */
    public static Boolean threadAlive(Thread thread) {
        Hooks h = hooks;
        return h == null ? null : h.threadAlive(thread);
    }

    /**
     * Forwards {@link Hooks#threadInterrupt}.
     *
     * @param thread the thread
     * @return true if handled
     */
    public static boolean threadInterrupt(Thread thread) {
        Hooks h = hooks;
        return h != null && h.threadInterrupt(thread);
    }

    /**
     * Forwards {@link Hooks#runMain}.
     *
     * @param type the class declaring main
     * @param self the instance or {@code null}
     * @param args the arguments
     * @return true if main already ran
     * @throws Throwable what main threw
     */
    public static boolean runMain(Class<?> type, Object self, Object[] args) throws Throwable {
        Hooks h = hooks;
        return h != null && h.runMain(type, self, args);
    }

    /**
     * Forwards {@link Hooks#newThreadDaemon}.
     *
     * @param created the new platform thread
     * @return the daemon status it should have, or {@code null} to leave it
     */
    public static Boolean newThreadDaemon(Thread created) {
        Hooks h = hooks;
        return h == null ? null : h.newThreadDaemon(created);
    }

    /**
     * Forwards {@link Hooks#poll}.
     *
     * @param fd the file descriptor
     * @param event 1 (read) or 4 (write)
     * @param nanos the longest wait, 0 for no limit
     * @param isOpen whether the socket is still open
     * @return true if handled
     * @throws IOException if registering the fd failed
     */
    public static boolean poll(int fd, int event, long nanos, BooleanSupplier isOpen) throws IOException {
        Hooks h = hooks;
        return h != null && h.poll(fd, event, nanos, isOpen);
    }

    /**
     * Forwards {@link Hooks#stopPoll}.
     *
     * @param fd the file descriptor
     * @param event 1 or 4
     */
    public static void stopPoll(int fd, int event) {
        Hooks h = hooks;
        if (h != null) {
            h.stopPoll(fd, event);
        }
    }

    /**
     * Forwards {@link Hooks#parkPinned}.
     *
     * @return true if handled
     */
    public static boolean parkPinned() {
        Hooks h = hooks;
        return h != null && h.parkPinned();
    }

    /**
     * Forwards {@link Hooks#pinnedSleepNanos}.
     *
     * @return the nanoseconds left in the current greenlet's pinned sleep, or -1
     */
    public static long pinnedSleepNanos() {
        Hooks h = hooks;
        return h == null ? -1 : h.pinnedSleepNanos();
    }
}
