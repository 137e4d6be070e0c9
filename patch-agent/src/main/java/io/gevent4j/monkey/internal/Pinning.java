package io.gevent4j.monkey.internal;

/**
 * Whether the current greenlet is pinned to its carrier, i.e. could not leave it if it parked now: a
 * virtual thread cannot unmount while it runs a class initializer or has a native frame on its stack
 * (e.g. {@code Class.forName}). A park there blocks the carrier thread itself; for a greenlet the
 * carrier is the hub's thread, and a hub timer could then never fire. So the sleep patch falls back to
 * the JDK's own sleep in that case, exactly as without the agent, and the offload patches run the call
 * inline (on the pool it would block the hub just the same, and only add a hand-off).
 *
 * <p>A class loader on the stack counts as pinned too. Class loading that the VM starts (resolving a
 * class the code names) pins the greenlet without a native frame showing, and in every case the
 * loader holds its class-loading lock while it reads the class file: that read must run inline, never
 * on the hub's thread pool, whose own classes may still have to be loaded through the same loader
 * (with {@code target/classes} directories on the class path that read is a patched
 * {@code FileInputStream.read}, and offloading it recursed into loading the pool's classes).
 *
 * <p>(The JDK's {@code Continuation.isPinned} cannot be used from Java code on JDK 25: it always
 * reports the native frame of its own call.)
 */
final class Pinning {
    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    private Pinning() {
    }

    /**
     * {@return true if the current thread is a virtual thread that cannot unmount right now, or is
     * loading a class}
     */
    static boolean pinned() {
        if (!Thread.currentThread().isVirtual()) {
            return false;
        }
        return WALKER.walk(frames -> frames.anyMatch(f -> f.isNativeMethod() || f.getMethodName().equals("<clinit>")
                || ClassLoader.class.isAssignableFrom(f.getDeclaringClass())));
    }
}
