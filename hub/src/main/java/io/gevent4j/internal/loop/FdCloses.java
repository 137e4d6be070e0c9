package io.gevent4j.internal.loop;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * How many times each fd number has been closed by the JDK's socket code, for all hubs: a kept epoll
 * registration ({@link FdPoller#awaitSocketReady}) made when the count was {@code n} is still there
 * while the count is {@code n}. Once the socket is closed the kernel has dropped it from every epoll,
 * and a new socket given the same number must be registered afresh, which the changed count says.
 *
 * <p>The count is raised before the fd is released (the JDK closes a socket only when no I/O is in
 * progress on it and none can start), so a hub that later waits on a socket reusing the number sees
 * the new count. Any thread: raised under a lock, read without one.
 */
final class FdCloses {
    private static final VarHandle COUNT = MethodHandles.arrayElementVarHandle(int[].class);
    private static final Object GROW = new Object();
    /** Indexed by fd; replaced by a larger copy under {@link #GROW}. */
    private static volatile int[] counts = new int[1024];

    private FdCloses() {
    }

    /** {@return the closes of {@code fd} so far} */
    static int of(int fd) {
        int[] c = counts;
        return fd < c.length ? (int) COUNT.getAcquire(c, fd) : 0;
    }

    /** Counts a close of {@code fd}, before the fd is released. */
    static void closing(int fd) {
        if (fd < 0) {
            return;
        }
        synchronized (GROW) {
            int[] c = counts;
            if (fd >= c.length) {
                c = Arrays.copyOf(c, Math.max(fd + 1, c.length * 2));
                counts = c;
            }
            // never negative, so never FdPoller's "not kept" mark
            COUNT.setRelease(c, fd, ((int) COUNT.get(c, fd) + 1) & Integer.MAX_VALUE);
        }
    }
}
