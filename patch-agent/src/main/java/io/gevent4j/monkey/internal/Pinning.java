package io.gevent4j.monkey.internal;

/**
 * Whether the current greenlet is pinned to its carrier, i.e. could not leave it if it parked now: a
 * virtual thread cannot unmount while it runs a class initializer or has a native frame on its stack
 * (e.g. {@code Class.forName}). A park there blocks the carrier thread itself; for a greenlet the
 * carrier is the hub's thread, and a hub timer could then never fire. So the sleep patch falls back to
 * the JDK's own sleep in that case, exactly as without the agent.
 *
 * <p>(The JDK's {@code Continuation.isPinned} cannot be used from Java code on JDK 25: it always
 * reports the native frame of its own call.)
 */
final class Pinning {
    private static final StackWalker WALKER = StackWalker.getInstance();

    private Pinning() {
    }

    /** {@return true if the current thread is a virtual thread that cannot unmount right now} */
    static boolean pinned() {
        if (!Thread.currentThread().isVirtual()) {
            return false;
        }
        return WALKER.walk(frames -> frames.anyMatch(f -> f.isNativeMethod() || f.getMethodName().equals("<clinit>")));
    }
}
