package io.gevent4j.spi;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import io.gevent4j.core.Strand;
import io.gevent4j.internal.scope.ThreadStartScope;
import io.gevent4j.internal.loop.FdPoller;
import io.gevent4j.internal.loop.IoEvent;
import io.gevent4j.internal.loop.Loop;

import java.io.IOException;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * What the patch agent's advice asks of the hubs (see the package documentation). Every method is safe
 * to call on any thread: on a thread that is not a greenlet it does nothing and says so, and the
 * patched JDK method then runs its own body.
 */
public final class AgentSupport {
    private AgentSupport() {
    }

    /**
     * Whether a hub can wait for sockets in its own epoll in this JVM: the JDK has
     * {@code sun.nio.ch.EPoll} (Linux) and {@code java.base/sun.nio.ch} is open to the hub (the agent
     * opens it). The first call loads the hub's poller, and starts the daemon thread that closes the
     * epoll descriptors of hubs that were never closed: make it on a plain platform thread, before any
     * advice runs.
     *
     * @return true if {@link #waitForFd} can serve greenlets
     */
    public static boolean hubPollerAvailable() {
        return FdPoller.available();
    }

    /**
     * The modules that call into {@code java.base} internals ({@code sun.nio.ch} for the hub's epoll,
     * {@code java.lang} for the greenlet scheduler): the agent opens those packages to them.
     *
     * @return the hub's and greenlet-core's modules (the same unnamed module on the class path)
     */
    public static List<Module> modulesUsingJdkInternals() {
        return List.of(Hub.class.getModule(), Strand.class.getModule());
    }

    /**
     * {@code Thread.start}: whether the current thread runs inside {@link Gevent#startThreadsAsGreenlets},
     * whose platform threads start as greenlets.
     *
     * @return true inside such a scope
     */
    public static boolean inThreadStartScope() {
        return ThreadStartScope.current() != null;
    }

    /**
     * {@code Thread.start} inside {@link Gevent#startThreadsAsGreenlets}: the thread was started as
     * {@code greenlet}, which the scope hands back to its caller.
     *
     * @param greenlet the greenlet the thread became
     * @throws IllegalStateException if the current thread is in no such scope
     */
    public static void startedInThreadStartScope(Greenlet<?> greenlet) {
        ThreadStartScope scope = ThreadStartScope.current();
        if (scope == null) {
            throw new IllegalStateException("gevent4j: a thread was started as a greenlet outside Gevent.startThreadsAsGreenlets");
        }
        scope.started(greenlet);
    }

    /**
     * {@code sun.nio.ch.Poller.poll}: waits in the current greenlet's hub's own epoll for {@code fd} to
     * be ready, so that socket I/O needs no JDK poller thread and no cross-thread wake-up.
     *
     * @param fd the file descriptor
     * @param event the JDK's {@code Net.POLLIN} (1) or {@code Net.POLLOUT} (4)
     * @param nanos the longest wait, 0 for no limit
     * @param isOpen whether the socket is still open (checked after registering, so that a racing close
     *               is seen)
     * @return true if the wait was done here; false if the current thread is not a greenlet or this JVM
     *         has no hub poller (the caller then uses the JDK's poller)
     * @throws IOException if registering with epoll failed
     */
    public static boolean waitForFd(int fd, int event, long nanos, BooleanSupplier isOpen) throws IOException {
        if (!FdPoller.available() || Greenlet.current() == null) {
            return false;
        }
        Loop.of(Strand.current()).poller().awaitReady(fd, IoEvent.ofPollConstant(event), nanos, isOpen);
        return true;
    }

    /**
     * {@link #waitForFd} for a socket of the JDK (what {@code sun.nio.ch.Poller.poll} waits for), whose
     * every close the caller reports to {@link #socketClosing} before the fd is released: the fd then
     * stays registered in the hub's epoll between waits, so that a wait costs no epoll_ctl. The wait may
     * end without a new event; the JDK's socket code re-checks in every case.
     *
     * @param fd the file descriptor
     * @param event the JDK's {@code Net.POLLIN} (1) or {@code Net.POLLOUT} (4)
     * @param nanos the longest wait, 0 for no limit
     * @param isOpen whether the socket is still open
     * @return true if the wait was done here; false if the current thread is not a greenlet or this JVM
     *         has no hub poller (the caller then uses the JDK's poller)
     * @throws IOException if registering with epoll failed
     */
    public static boolean waitForSocketFd(int fd, int event, long nanos, BooleanSupplier isOpen) throws IOException {
        if (!FdPoller.available() || Greenlet.current() == null) {
            return false;
        }
        Loop.of(Strand.current()).poller().awaitSocketReady(fd, IoEvent.ofPollConstant(event), nanos, isOpen);
        return true;
    }

    /**
     * The JDK's socket code is about to close {@code fd} ({@code sun.nio.ch.UnixDispatcher.close}): the
     * hubs stop trusting their registrations of that fd number, so that a socket that reuses it is
     * registered afresh. Any thread.
     *
     * @param fd the file descriptor
     */
    public static void socketClosing(int fd) {
        FdPoller.socketClosing(fd);
    }

    /**
     * {@code NioSocketImpl.tryRead}, before its syscall: whether the read would find nothing (see
     * {@code FdPoller.readWouldBlock}); the caller then reports "nothing available" without the
     * syscall, and the JDK's read waits for the socket as after any empty read. Any thread: false
     * outside a greenlet.
     *
     * @param fd the socket's file descriptor
     * @return true if the read can be skipped
     */
    public static boolean socketReadWouldBlock(int fd) {
        FdPoller p = pollerOfCurrentGreenlet();
        return p != null && p.readWouldBlock(fd);
    }

    /**
     * {@code NioSocketImpl.tryRead} returned {@code n} of {@code len} bytes (or an {@code IOStatus}
     * code). Any thread: ignored outside a greenlet.
     *
     * @param fd the socket's file descriptor
     * @param n the bytes read or the JDK's {@code IOStatus} code
     * @param len the bytes asked for
     */
    public static void socketReadReturned(int fd, int n, int len) {
        FdPoller p = pollerOfCurrentGreenlet();
        if (p != null) {
            p.readReturned(fd, n, len);
        }
    }

    private static FdPoller pollerOfCurrentGreenlet() {
        if (Greenlet.current() == null) {
            return null;
        }
        Loop loop = Loop.currentOrNull();
        return loop == null ? null : loop.pollerOrNull();
    }

    /**
     * {@code sun.nio.ch.Poller.stopPoll}: the socket {@code fd} is being closed or shut down; wakes the
     * greenlets of every hub waiting on it. Any thread.
     *
     * @param fd the file descriptor
     * @param event 1, 4, or 0 for both
     */
    public static void wakeFdWaiters(int fd, int event) {
        Loop.wakeFdWaitersEverywhere(fd, event == 0 ? null : IoEvent.ofPollConstant(event));
    }

    /**
     * {@code VirtualThread.parkOnCarrierThread}, the park of a virtual thread that could not unmount: if
     * the current greenlet is pinned to its hub's thread (a class initializer or a native frame is on
     * its stack) while it waits in {@link #waitForFd}, its park would block the hub's thread and nobody
     * would poll the epoll it waits in. Instead the wait is done here, on the hub's thread, in that
     * epoll, until the greenlet's event, its timeout, an interrupt, a close, or an exception raised into
     * it: meanwhile the hub's due timers fire (a {@code Timeout}) and callbacks from other threads run (a
     * {@code kill}).
     *
     * @return true if the current greenlet was waiting for an fd and the wait was done here (the caller
     *         skips the JDK's park); false otherwise
     */
    public static boolean finishPinnedFdWait() {
        if (Greenlet.current() == null) {
            return false;
        }
        Strand me = Strand.current();
        FdPoller poller = Loop.of(me).pollerOrNull();
        return poller != null && poller.waitPinned(me);
    }

    /**
     * {@code VirtualThread.parkOnCarrierThread}, when {@link #finishPinnedFdWait} did not take the park:
     * if the current greenlet, pinned to its carrier, parks in a wait that ends by itself at a deadline
     * (a sleep, {@link Strand#parkUntil}), its hub's timer that would end the wait cannot fire while the
     * greenlet blocks the hub's thread; the caller then parks the carrier for the time this returns
     * instead of without limit, and the wait ends at its deadline.
     *
     * @return the nanoseconds left until the deadline (0 if it has passed), or -1 if the current thread
     *         is not a strand parked until a deadline (the park is left as it is)
     */
    public static long pinnedParkNanos() {
        Strand me = Strand.currentOrNull();
        return me == null ? -1 : me.parkNanosLeft();
    }
}
