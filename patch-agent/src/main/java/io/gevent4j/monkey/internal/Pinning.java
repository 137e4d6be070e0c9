package io.gevent4j.monkey.internal;

import java.util.Set;

/**
 * Whether the current greenlet is pinned to its carrier, i.e. could not leave it if it parked now: a
 * virtual thread cannot unmount while it runs a class initializer or has a native frame on its stack
 * (e.g. {@code Class.forName}). A park there blocks the carrier thread itself; for a greenlet the
 * carrier is the hub's thread, and a hub timer could then never fire. So the sleep patch falls back to
 * the JDK's own sleep in that case, exactly as without the agent.
 *
 * <p>Class loading gets the same treatment: class loading that the VM starts (resolving a class the
 * code names) pins the greenlet without a native frame showing, and a loader holds its class-loading
 * lock while it reads the class file. The offload patches must never move that read to the hub's
 * thread pool, whose own classes may have to be loaded through the same loader: with
 * {@code target/classes} directories on the class path the read is a patched
 * {@code FileInputStream.read}, and offloading it recursed into loading the pool's classes.
 *
 * <p>(The JDK's {@code Continuation.isPinned} cannot be used from Java code on JDK 25: it always
 * reports the native frame of its own call.)
 */
final class Pinning {
    /**
     * How many frames, from the caller of {@link #loadingClass}, are searched for a class loader. The
     * agent's dispatch takes 4 frames above the patched method; the JDK's loaders read a class file 2
     * frames below it ({@code Resource.getBytes}, then the loader), a loader calling
     * {@code Files.readAllBytes} 3. Walking costs about 0.25 µs a frame, so the walk is bounded.
     */
    static final int LOADER_FRAMES = 16;

    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);
    private static final StackWalker SHORT_WALKER = StackWalker.getInstance(
            Set.of(StackWalker.Option.RETAIN_CLASS_REFERENCE), LOADER_FRAMES);

    private Pinning() {
    }

    /**
     * {@return true if the current thread is a virtual thread that cannot unmount right now, or is
     * loading a class} The whole stack is walked.
     */
    static boolean pinned() {
        if (!Thread.currentThread().isVirtual()) {
            return false;
        }
        return WALKER.walk(frames -> frames.anyMatch(f -> f.isNativeMethod() || f.getMethodName().equals("<clinit>")
                || isLoader(f)));
    }

    /** {@return true if a class loader is among the top {@link #LOADER_FRAMES} frames of the caller} */
    static boolean loadingClass() {
        return SHORT_WALKER.walk(frames -> frames.limit(LOADER_FRAMES).anyMatch(Pinning::isLoader));
    }

    private static boolean isLoader(StackWalker.StackFrame frame) {
        return ClassLoader.class.isAssignableFrom(frame.getDeclaringClass());
    }
}
