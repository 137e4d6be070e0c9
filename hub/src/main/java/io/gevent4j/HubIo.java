package io.gevent4j;

import io.gevent4j.core.Strand;
import io.gevent4j.internal.loop.Deadline;
import io.gevent4j.internal.loop.FdPoller;
import io.gevent4j.internal.loop.IoEvent;
import io.gevent4j.internal.loop.Loop;
import io.gevent4j.internal.loop.TimerHeap;

import java.io.IOException;
import java.util.function.BooleanSupplier;

/**
 * The entry points through which the patch agent routes a greenlet's socket readiness waits (the
 * JDK's {@code sun.nio.ch.Poller.poll} and {@code stopPoll}) to the greenlet's hub's own epoll, so that
 * socket I/O needs no cross-thread hand-off, and through which it lets a greenlet pinned to its
 * carrier finish a wait the hub cannot serve while the greenlet blocks it ({@link #waitPinned},
 * {@link #pinnedSleepNanos}). Not for application code. Without the agent, or when
 * {@code sun.nio.ch} is not open, {@link #poll} returns {@code false} and the JDK's pollers are used.
 */
public final class HubIo {
    private static volatile boolean enabled = Boolean.parseBoolean(System.getProperty("gevent4j.hubPoller", "true"));

    private HubIo() {
    }

    /**
     * Turns routing to hub pollers on or off (the agent option {@code nohubpoller} turns it off).
     *
     * @param on whether greenlet socket waits use the hub's own epoll
     */
    public static void setEnabled(boolean on) {
        enabled = on;
    }

    /** {@return whether greenlet socket waits can use the hub's own epoll in this JVM} */
    public static boolean isActive() {
        return enabled && FdPoller.available();
    }

    /**
     * Waits in the current greenlet's hub for {@code fd} to be ready.
     *
     * @param fd the file descriptor
     * @param event 1 (POLLIN) or 4 (POLLOUT)
     * @param nanos the longest wait, 0 for no limit
     * @param isOpen whether the socket is still open
     * @return true if handled here; false if the caller must use the JDK's poller (not a greenlet,
     *         or the hub poller is off)
     * @throws IOException if registering with epoll failed
     */
    public static boolean poll(int fd, int event, long nanos, BooleanSupplier isOpen) throws IOException {
        if (!enabled || !FdPoller.available()) {
            return false;
        }
        Greenlet<?> greenlet = Greenlet.current();
        if (greenlet == null) {
            return false;
        }
        greenlet.hub().loop().poller().awaitReady(fd, IoEvent.ofPollConstant(event), nanos, isOpen);
        return true;
    }

    /**
     * Wakes greenlets of any hub waiting on {@code fd} (the socket is being closed or shut down).
     *
     * @param fd the file descriptor
     * @param event 1, 4, or 0 for both
     */
    public static void stopPoll(int fd, int event) {
        Loop.wakeFdWaitersEverywhere(fd, event == 0 ? null : IoEvent.ofPollConstant(event));
    }

    /**
     * The current greenlet parked in its hub's epoll but could not unmount (it is pinned to the hub's
     * thread); waits there on the hub's thread instead, so the hub's epoll is still polled. Called by the
     * patch agent from the JDK's park-on-carrier path.
     *
     * @return true if the current greenlet was waiting in its hub's epoll and the wait was done here;
     *         false otherwise (the JDK parks the carrier thread as usual)
     */
    public static boolean waitPinned() {
        Greenlet<?> greenlet = Greenlet.current();
        if (greenlet == null || !(greenlet.strand().blocker() instanceof FdPoller poller)) {
            return false;
        }
        return poller.waitPinned(greenlet.strand());
    }

    /**
     * The current greenlet parked in a sleep ({@link Gevent#sleep(long)}, and {@code Thread.sleep} under
     * the agent) but could not unmount: it is pinned to its carrier (a class initializer or a native
     * frame is on its stack), so the park blocks the hub's thread and the hub's timer that would end
     * the sleep can never fire. The patch agent, in the JDK's park-on-carrier path, then parks the
     * carrier for the time this returns instead of without limit; the sleep's loop ends once the
     * deadline has passed, whether or not its timer fired.
     *
     * @return the nanoseconds left until the sleep's deadline (0 if it has passed), or -1 if the current
     *         thread is not a strand parked in a sleep
     */
    public static long pinnedSleepNanos() {
        Strand me = Strand.currentOrNull();
        if (me == null || !(me.blocker() instanceof TimerHeap.Timer timer) || timer.wakes() != me) {
            return -1;
        }
        return Deadline.remainingNanos(timer.deadline());
    }
}
