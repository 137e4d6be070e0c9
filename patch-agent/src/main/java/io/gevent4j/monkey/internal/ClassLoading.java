package io.gevent4j.monkey.internal;

import java.util.Set;

/**
 * Whether the current thread is loading a class. Class loading that the VM starts (resolving a class
 * the code names) pins the greenlet without a native frame showing, and a loader holds its class-loading
 * lock while it reads the class file. The offload patches must never move that read to the hub's
 * thread pool, whose own classes may have to be loaded through the same loader: with
 * {@code target/classes} directories on the class path the read is a patched
 * {@code FileInputStream.read}, and offloading it recursed into loading the pool's classes.
 */
final class ClassLoading {
    /**
     * How many frames, from the caller of {@link #inProgress}, are searched for a class loader. The
     * agent's dispatch takes 4 frames above the patched method; the JDK's loaders read a class file 2
     * frames below it ({@code Resource.getBytes}, then the loader), a loader calling
     * {@code Files.readAllBytes} 3. Walking costs about 0.25 µs a frame, so the walk is bounded.
     */
    static final int LOADER_FRAMES = 16;

    private static final StackWalker SHORT_WALKER = StackWalker.getInstance(
            Set.of(StackWalker.Option.RETAIN_CLASS_REFERENCE), LOADER_FRAMES);

    private ClassLoading() {
    }

    /** {@return true if a class loader is among the top {@link #LOADER_FRAMES} frames of the caller} */
    static boolean inProgress() {
        return SHORT_WALKER.walk(frames -> frames.limit(LOADER_FRAMES).anyMatch(ClassLoading::isLoader));
    }

    private static boolean isLoader(StackWalker.StackFrame frame) {
        return ClassLoader.class.isAssignableFrom(frame.getDeclaringClass());
    }
}
