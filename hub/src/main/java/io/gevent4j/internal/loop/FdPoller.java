package io.gevent4j.internal.loop;

import io.gevent4j.core.Strand;
import io.gevent4j.core.internal.NativeEPoll;

import java.io.IOException;
import java.util.Arrays;
import java.util.function.BooleanSupplier;

/**
 * A loop's waiters for file-descriptor readiness, on the loop's own epoll ({@link NativeEPoll}):
 * greenlets wait for socket readiness here instead of in the JDK's poller threads, so that a readiness
 * event needs no cross-thread hand-off (libev's model). The loop dispatches it without blocking once
 * per turn while greenlets wait on it, and blocks in it (with the next timer as the timeout) when it
 * has nothing else to do; other threads wake it through the eventfd.
 *
 * <p>Two kinds of registration, per fd:
 * <ul>
 *   <li><b>kept</b> ({@link #awaitSocketReady}, the JDK's sockets): the fd is added once, edge-triggered
 *       ({@code EPOLLET}) for both directions, and stays registered across waits, so that a wait costs no
 *       epoll_ctl. An edge that arrives while nobody waits in that direction is remembered
 *       ({@code readable}/{@code writable}) and ends the next wait at once (the caller re-checks, as after
 *       any wake-up). The kernel drops a closed fd from every epoll by itself, so a registration is only
 *       trusted while {@link FdCloses} shows no close of that fd number since it was made: the JDK's socket
 *       close path reports every close there ({@link #socketClosing}) before the fd is released, so a new
 *       socket that reuses the number is registered afresh. Reads are told to the poller too
 *       ({@link #readReturned}): after a short read, and until the next read edge or the end of input,
 *       {@link #readWouldBlock} lets the JDK's read skip a syscall that would find nothing.</li>
 *   <li><b>one-shot</b> ({@link #awaitReady}, fds whose close the hub does not see: pipes, FIFOs):
 *       {@code EPOLLONESHOT}, re-armed for each wait, as the JDK's own poller does.</li>
 * </ul>
 * Loop thread only, except {@link #wakeup()}, {@link #wakeWaiters} and {@link #socketClosing}.
 */
public final class FdPoller implements AutoCloseable {
    /**
     * The greenlets waiting on one file descriptor, and what is armed in epoll for it. Kept per fd and
     * reused, so a wait allocates nothing.
     */
    private static final class FdWaiters {
        /** {@link #keptAt} when the fd has no kept registration (never made, or made one-shot since). */
        static final int NOT_KEPT = -1;

        Strand reader;
        Strand writer;
        /** One-shot registration: the events armed in epoll (0: none, or disarmed after its event). */
        int armed;
        /** Kept registration: {@link FdCloses#of} the fd when it was added, or {@link #NOT_KEPT}. */
        int keptAt = NOT_KEPT;
        /** Kept registration: an edge arrived while no greenlet waited in that direction. */
        boolean readable;
        boolean writable;
        /**
         * Kept registration: the last read of the fd on this hub came back short or empty, so it had
         * consumed everything that had arrived, and no read edge has been seen since: a read now would
         * only find nothing ({@link #readWouldBlock}). Data that comes later brings an edge.
         */
        boolean drained;
        /**
         * Kept registration: an edge said the peer shut down its output, the socket failed, or urgent
         * data came ({@code EPOLLRDHUP}, {@code EPOLLHUP}, {@code EPOLLERR}, {@code EPOLLPRI}). A short
         * read may then stop right before the end of input or at the urgent mark with data left, and
         * no new edge would come for it, so reads of this socket are never skipped again.
         */
        boolean readSkipOff;

        /** Consumes the remembered edge of {@code event}: true if one had arrived since the last wait. */
        boolean takeEdge(IoEvent event) {
            boolean seen;
            if (event == IoEvent.READ) {
                seen = readable;
                readable = false;
            } else {
                seen = writable;
                writable = false;
            }
            return seen;
        }

        int wanted() {
            return (reader != null ? NativeEPoll.EPOLLIN : 0) | (writer != null ? NativeEPoll.EPOLLOUT : 0);
        }

        Strand waiter(IoEvent event) {
            return event == IoEvent.READ ? reader : writer;
        }

        void setWaiter(IoEvent event, Strand s) {
            if (event == IoEvent.READ) {
                reader = s;
            } else {
                writer = s;
            }
        }
    }

    /** A wait about to park, kept for {@link #waitPinned}: set just before the park, cleared after it. */
    private static final class ParkingWait {
        Strand strand;
        FdWaiters waiters;
        IoEvent event;
        long deadline;
        BooleanSupplier isOpen;
    }

    /** The JDK's {@code IOStatus.UNAVAILABLE}: a non-blocking read found nothing. */
    private static final int UNAVAILABLE = -2;

    private final Loop loop;
    private final NativeEPoll epoll;
    /** Indexed by fd (descriptors are small integers): no boxing, no hashing on the hot path. */
    private FdWaiters[] waiters = new FdWaiters[256];
    private int waiting;
    private long waits;
    private final ParkingWait parking = new ParkingWait();
    private final NativeEPoll.ReadySink dispatchOne = this::ready;

    /** {@return true if this JVM lets the loop use its own epoll (the agent opens {@code sun.nio.ch})} */
    public static boolean available() {
        return NativeEPoll.available();
    }

    FdPoller(Loop loop) throws IOException {
        this.loop = loop;
        this.epoll = NativeEPoll.open(loop.carrier());
    }

    /** {@return the number of greenlets waiting for readiness} */
    public int waiting() {
        return waiting;
    }

    /** {@return how many waits {@link #awaitReady} has handled (for tests and diagnosis)} */
    public long waitCount() {
        return waits;
    }

    /** {@return the epoll file descriptor (for diagnosis: {@code /proc/self/fdinfo/<fd>} lists its registrations)} */
    public int epollFd() {
        return epoll.fd();
    }

    private FdWaiters waitersOf(int fd) {
        FdWaiters[] table = waiters;
        if (fd >= table.length) {
            table = Arrays.copyOf(table, Math.max(fd + 1, table.length * 2));
            waiters = table;
        }
        FdWaiters w = table[fd];
        if (w == null) {
            w = new FdWaiters();
            table[fd] = w;
        }
        return w;
    }

    /**
     * Parks the current greenlet until {@code fd} is ready for {@code event}, {@code nanos} pass
     * (0 = no limit), or the socket is closed. Returns normally in every case; the caller (the JDK's
     * socket code) re-checks. An interrupt sets the interrupt status and returns; a kill or Timeout
     * raised into the greenlet is thrown from here, and the socket stays open. However the wait ends,
     * the registration is withdrawn from epoll unless its event fired (which disarmed it), so no stale
     * registration is left behind.
     *
     * @param fd the file descriptor
     * @param event what to wait for
     * @param nanos the longest wait, 0 for no limit
     * @param isOpen checked after registering, so that a close racing with the registration is seen
     * @throws IOException if epoll_ctl fails, or the loop's epoll failed during the wait
     */
    public void awaitReady(int fd, IoEvent event, long nanos, BooleanSupplier isOpen) throws IOException {
        await(fd, event, nanos, isOpen, false);
    }

    /**
     * {@link #awaitReady}, for an fd whose every close is reported to {@link #socketClosing} before the
     * fd is released (the JDK's sockets, through the patch agent): the fd stays registered in this epoll
     * after the wait (see the class comment), so that the next wait costs no epoll_ctl. It may return
     * without a new event (an edge that arrived while nobody waited); the caller re-checks in every case.
     *
     * @param fd the file descriptor
     * @param event what to wait for
     * @param nanos the longest wait, 0 for no limit
     * @param isOpen checked after registering, so that a close racing with the registration is seen
     * @throws IOException if epoll_ctl fails, or the loop's epoll failed during the wait
     */
    public void awaitSocketReady(int fd, IoEvent event, long nanos, BooleanSupplier isOpen) throws IOException {
        await(fd, event, nanos, isOpen, true);
    }

    /**
     * The JDK's socket code is about to close {@code fd} (no I/O is in progress on it and none can
     * start): the kept registrations of that fd number, in every hub, are no longer to be trusted. Any
     * thread.
     *
     * @param fd the file descriptor
     */
    public static void socketClosing(int fd) {
        FdCloses.closing(fd);
    }

    /**
     * Whether a read of the socket {@code fd} now would find nothing: its registration is kept, its
     * last read on this hub came back short (the socket's receive queue was empty then; TCP fills a
     * read while data is queued) and no read edge has come since. The JDK's socket read then skips its
     * syscall and waits at once: an echo's doomed read after each message is saved. Loop thread only.
     *
     * @param fd the file descriptor
     * @return true if the read would find nothing
     */
    public boolean readWouldBlock(int fd) {
        FdWaiters[] table = waiters;
        FdWaiters w = fd < table.length ? table[fd] : null;
        return w != null && w.drained && !w.readable && !w.readSkipOff && w.reader == null && w.keptAt == FdCloses.of(fd);
    }

    /**
     * A read of the socket {@code fd} on this hub returned {@code n} of the {@code len} bytes asked (or
     * the JDK's {@code IOStatus} code): a short read or none at all means the socket had nothing more
     * (see {@link #readWouldBlock}); any edge dispatched before it is used up too. Loop thread only.
     *
     * @param fd the file descriptor
     * @param n the bytes read, or {@code -1} (EOF), {@code -2} (nothing available), {@code -3} (interrupted)
     * @param len the bytes asked for
     */
    public void readReturned(int fd, int n, int len) {
        FdWaiters[] table = waiters;
        FdWaiters w = fd < table.length ? table[fd] : null;
        if (w == null || w.keptAt != FdCloses.of(fd)) {
            return;
        }
        boolean drained = n == UNAVAILABLE || (n > 0 && n < len);
        w.drained = drained;
        if (drained) {
            // edges dispatched so far came before this read began (this thread dispatches them), and it took their data
            w.readable = false;
        }
    }

    private void await(int fd, IoEvent event, long nanos, BooleanSupplier isOpen, boolean keep) throws IOException {
        Strand me = Strand.current();
        FdWaiters w = waitersOf(fd);
        Strand other = w.waiter(event);
        if (other != null) {
            throw new IllegalStateException("gevent4j: two greenlets wait to " + (event == IoEvent.READ ? "read" : "write")
                    + " fd " + fd + " at once (" + other.name() + " and " + me.name() + ")");
        }
        if (keep) {
            int closes = FdCloses.of(fd);
            if (w.keptAt != closes) {
                keep(fd, w, closes);
            } else if (w.takeEdge(event)) {
                waits++;
                return; // ready since the caller last looked, or spuriously: it re-checks
            }
            w.setWaiter(event, me);
        } else {
            w.setWaiter(event, me);
            try {
                arm(fd, w);
            } catch (IOException | RuntimeException e) {
                w.setWaiter(event, null);
                throw e;
            }
        }
        waiting++;
        waits++;
        loop.carrier().retainExternal();
        long deadline = nanos > 0 ? Deadline.afterNanos(nanos) : Deadline.NONE;
        TimerHeap.Timer timer = nanos > 0 ? loop.timers().wakeAt(deadline, me) : null;
        try {
            if (isOpen.getAsBoolean()) {
                parking.strand = me;
                parking.waiters = w;
                parking.event = event;
                parking.deadline = deadline;
                parking.isOpen = isOpen;
                me.park(this);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            parking.strand = null;
            parking.waiters = null;
            parking.isOpen = null;
            waiting--;
            loop.carrier().releaseExternal();
            if (timer != null) {
                timer.cancel();
            }
            // Still registered: the wait ended without our event (timeout, close, kill, interrupt).
            if (w.waiter(event) == me) {
                w.setWaiter(event, null);
                // a kept registration stays as it is; a one-shot one is re-armed for the other waiter or withdrawn
                if (!keep && w.armed != 0 && !epoll.isClosed()) {
                    try {
                        if (w.wanted() != 0) {
                            arm(fd, w);
                        } else {
                            disarm(fd, w);
                        }
                    } catch (IOException | RuntimeException e) {
                        // Never replace the exception that may be ending this wait (a kill, a Timeout): report
                        // it, and wake the other waiter of this fd, which re-polls (and re-registers) by itself.
                        loop.reportError("re-arming the hub's epoll for fd " + fd, e);
                        Strand second = w.waiter(event == IoEvent.READ ? IoEvent.WRITE : IoEvent.READ);
                        if (second != null) {
                            second.unpark();
                        }
                    }
                }
            }
        }
    }

    /**
     * The greenlet parking in {@link #awaitReady} could not unmount: it is pinned to the loop's thread
     * (a class initializer or a native frame is on its stack), so its park would block the loop's
     * thread itself and nobody would ever dispatch this epoll. Instead, the loop's thread (on which the
     * pinned greenlet runs) waits in this epoll until the greenlet's event, its timeout, an interrupt,
     * a close, or an exception raised into it: meanwhile the loop's due timers fire (a {@code Timeout}
     * around the wait) and callbacks handed over by other threads run (a {@code kill} from elsewhere),
     * while the continuations of other greenlets stay queued until the pinned one moves on. A close or
     * kill from another thread is seen within 50 ms. The patch agent calls this from the JDK's
     * park-on-carrier path, so an unpinned wait pays nothing for it.
     *
     * @param me the current strand, whose park found it pinned
     * @return true if {@code me} is waiting in this poller and the wait was done here (the caller then
     *         returns from its park); false if {@code me} is not in a wait of this poller
     */
    public boolean waitPinned(Strand me) {
        FdWaiters w = parking.waiters;
        if (parking.strand != me || w == null) {
            return false;
        }
        IoEvent event = parking.event;
        long deadline = parking.deadline;
        BooleanSupplier isOpen = parking.isOpen;
        while (w.waiter(event) == me) {
            if (Thread.currentThread().isInterrupted() || !isOpen.getAsBoolean() || me.pendingThrow() != null) {
                break;
            }
            long nextTimer = loop.fireDueTimers();
            loop.carrier().runRemoteCallbacks();
            if (me.pendingThrow() != null || Deadline.passed(deadline)) {
                break;
            }
            long slice = Math.min(50_000_000L, Deadline.remainingNanos(deadline));
            if (nextTimer >= 0) {
                slice = Math.min(slice, nextTimer);
            }
            dispatch(Deadline.toMillisCeil(slice));
        }
        return true;
    }

    /**
     * Makes the kept registration of {@code fd}: edge-triggered, both directions. A registration already
     * there (a one-shot one, or a kept one that {@link FdCloses} no longer vouches for, as a close that
     * did not release the file left it) is modified instead. The kernel reports the fd's current
     * readiness as a first edge, so the remembered edges start cleared.
     */
    private void keep(int fd, FdWaiters w, int closes) throws IOException {
        int mask = NativeEPoll.EPOLLET | NativeEPoll.EPOLLIN | NativeEPoll.EPOLLOUT | NativeEPoll.EPOLLRDHUP
                | NativeEPoll.EPOLLPRI;
        int err = epoll.ctl(NativeEPoll.CTL_ADD, fd, mask);
        if (err == NativeEPoll.EEXIST) {
            err = epoll.ctl(NativeEPoll.CTL_MOD, fd, mask);
        }
        if (err != 0) {
            throw new IOException("epoll_ctl on fd " + fd + " failed with errno " + err);
        }
        w.keptAt = closes;
        w.armed = 0;
        w.readable = false;
        w.writable = false;
        w.drained = false;
        w.readSkipOff = false;
    }

    /** Arms the one-shot registration of {@code fd} for the events its waiters want. */
    private void arm(int fd, FdWaiters w) throws IOException {
        w.keptAt = FdWaiters.NOT_KEPT; // if it was kept, this MOD makes it one-shot
        int mask = w.wanted();
        int err = epoll.ctl(NativeEPoll.CTL_MOD, fd, NativeEPoll.EPOLLONESHOT | mask);
        if (err == NativeEPoll.ENOENT) {
            err = epoll.ctl(NativeEPoll.CTL_ADD, fd, NativeEPoll.EPOLLONESHOT | mask);
        }
        if (err != 0) {
            throw new IOException("epoll_ctl on fd " + fd + " failed with errno " + err);
        }
        w.armed = mask;
    }

    /**
     * Withdraws {@code fd} from epoll. The fd is still open here (the JDK closes a socket only after the
     * last thread in I/O on it left); an error (the caller closed it itself) is of no consequence, as
     * closing an fd removes it from epoll anyway.
     */
    private void disarm(int fd, FdWaiters w) {
        w.armed = 0;
        int err = epoll.ctl(NativeEPoll.CTL_DEL, fd, 0);
        assert err == 0 || err == NativeEPoll.ENOENT || err == NativeEPoll.EBADF : "epoll_ctl(DEL) failed with errno " + err;
    }

    /**
     * Wakes the greenlets waiting on {@code fd} for {@code event} ({@code null} = both): the socket was
     * closed or shut down. Any thread.
     *
     * @param fd the file descriptor
     * @param event the event, or {@code null} for both
     */
    public void wakeWaiters(int fd, IoEvent event) {
        Runnable wake = () -> {
            FdWaiters[] table = waiters;
            FdWaiters w = fd < table.length ? table[fd] : null;
            if (w != null) {
                w.drained = false; // a close or shutdown: let the next read look for itself
                if (w.reader != null && (event == null || event == IoEvent.READ)) {
                    w.reader.unpark();
                }
                if (w.writer != null && (event == null || event == IoEvent.WRITE)) {
                    w.writer.unpark();
                }
            }
        };
        if (loop.carrier().inCarrier()) {
            wake.run();
        } else {
            loop.carrier().execute(wake);
        }
    }

    /**
     * Waits for readiness events and wakes the ready greenlets.
     *
     * @param timeoutMillis 0 to return at once, -1 to block until an event or {@link #wakeup()}
     */
    public void dispatch(int timeoutMillis) {
        epoll.waitEvents(timeoutMillis, dispatchOne);
    }

    private void ready(int fd, int events) {
        FdWaiters[] table = waiters;
        FdWaiters w = fd < table.length ? table[fd] : null;
        if (w == null) {
            return;
        }
        boolean error = (events & (NativeEPoll.EPOLLERR | NativeEPoll.EPOLLHUP)) != 0;
        if (w.keptAt != FdWaiters.NOT_KEPT) {
            if (error || (events & (NativeEPoll.EPOLLRDHUP | NativeEPoll.EPOLLPRI)) != 0) {
                w.readSkipOff = true;
            }
            readyKept(w, error || (events & (NativeEPoll.EPOLLIN | NativeEPoll.EPOLLRDHUP | NativeEPoll.EPOLLPRI)) != 0,
                    error || (events & NativeEPoll.EPOLLOUT) != 0);
            return;
        }
        // One-shot: the whole registration is disarmed now, whichever event fired.
        w.armed = 0;
        if (w.reader != null && (error || (events & NativeEPoll.EPOLLIN) != 0)) {
            Strand s = w.reader;
            w.reader = null;
            s.unpark();
        }
        if (w.writer != null && (error || (events & NativeEPoll.EPOLLOUT) != 0)) {
            Strand s = w.writer;
            w.writer = null;
            s.unpark();
        }
        if (w.wanted() != 0) {
            // a reader and a writer shared the registration and only one event fired: re-arm the other
            try {
                arm(fd, w);
            } catch (IOException | RuntimeException e) {
                // cannot wait for it any more: wake it, the JDK's socket code re-checks and reports
                wakeAll(w);
            }
        }
    }

    /** An edge of a kept registration: wake the waiter of each direction, or remember the edge for the next one. */
    private static void readyKept(FdWaiters w, boolean in, boolean out) {
        if (in) {
            w.drained = false;
            Strand s = w.reader;
            if (s != null) {
                w.reader = null;
                s.unpark();
            } else {
                w.readable = true;
            }
        }
        if (out) {
            Strand s = w.writer;
            if (s != null) {
                w.writer = null;
                s.unpark();
            } else {
                w.writable = true;
            }
        }
    }

    private static void wakeAll(FdWaiters w) {
        if (w.reader != null) {
            w.reader.unpark();
        }
        if (w.writer != null) {
            w.writer.unpark();
        }
    }

    /**
     * The epoll failed (its machinery threw): fail every greenlet waiting in it with {@code cause},
     * raised from its wait, so that none waits for an event that will never come. Loop thread only.
     *
     * @param cause what the epoll threw
     */
    void failWaiters(Throwable cause) {
        IOException failure = new IOException("gevent4j: the hub's epoll failed (" + cause + "); the wait is abandoned"
                + " and the hub makes a new epoll for the next one", cause);
        for (FdWaiters w : waiters) {
            if (w != null) {
                Strand r = w.reader;
                Strand wr = w.writer;
                w.reader = null;
                w.writer = null;
                w.armed = 0;
                w.keptAt = FdWaiters.NOT_KEPT;
                if (r != null) {
                    r.raise(failure);
                }
                if (wr != null && wr != r) {
                    wr.raise(failure);
                }
            }
        }
    }

    /**
     * Wakes the loop's thread from a blocking {@link #dispatch}, or makes its next one return at once.
     * Any thread. Unconditional on purpose: the caller saw the carrier idle, and the carrier may be
     * just about to enter epoll_wait.
     */
    public void wakeup() {
        epoll.wakeup();
    }

    /** {@return true while the loop's thread is blocked in epoll_wait; any thread} */
    public boolean isBlocked() {
        return epoll.isBlocked();
    }

    /** Releases the epoll fd and the eventfd now (the hub is closing). Loop thread only; idempotent. */
    @Override
    public void close() {
        epoll.close();
    }

    /** {@return true after {@link #close()}} */
    public boolean isClosed() {
        return epoll.isClosed();
    }
}
