package io.gevent4j.internal;

import io.gevent4j.Hub;
import io.gevent4j.TimerHandle;
import io.gevent4j.core.Carrier;
import io.gevent4j.core.Strand;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.ref.Cleaner;
import java.util.function.BooleanSupplier;

/**
 * A hub's own epoll instance: greenlets wait for socket readiness here instead of in the JDK's poller
 * threads, so that a readiness event needs no cross-thread hand-off (libev's model). The hub polls it
 * without blocking once per turn while greenlets wait on it, and blocks in it (with the next timer as
 * the timeout) when it has nothing else to do; other threads wake it through an eventfd.
 *
 * <p>It uses the JDK's own {@code sun.nio.ch.EPoll} and {@code sun.nio.ch.EventFD}, which the patch
 * agent opens; without them ({@link #available()} false) sockets keep using the JDK's pollers.
 * Registration is one-shot ({@code EPOLLONESHOT}): re-armed for each wait, as the JDK's own poller does.
 * Hub thread only, except {@link #wakeup()} and {@link #stopPoll}.
 */
public final class HubPoller {
    private static final int EPOLL_CTL_ADD = 1;
    private static final int EPOLL_CTL_DEL = 2;
    private static final int EPOLL_CTL_MOD = 3;
    private static final int EPOLLIN = 0x1;
    private static final int EPOLLOUT = 0x4;
    private static final int EPOLLERR = 0x8;
    private static final int EPOLLHUP = 0x10;
    private static final int EPOLLONESHOT = 1 << 30;
    private static final int ENOENT = 2;
    private static final int EBADF = 9;
    private static final int MAX_EVENTS = 256;

    private static final MethodHandle CREATE;
    private static final MethodHandle CTL;
    private static final MethodHandle WAIT;
    private static final MethodHandle ALLOCATE;
    private static final MethodHandle GET_EVENT;
    private static final MethodHandle GET_DESCRIPTOR;
    private static final MethodHandle GET_EVENTS;
    private static final MethodHandle NEW_EVENTFD;
    private static final MethodHandle EVENTFD_SET;
    private static final MethodHandle EVENTFD_RESET;
    private static final MethodHandle EVENTFD_FD;
    private static final MethodHandle EVENTFD_CLOSE;
    private static final MethodHandle FREE;
    private static final MethodHandle CLOSE_FD;
    private static final Throwable UNAVAILABLE;

    static {
        MethodHandle create = null, ctl = null, wait = null, allocate = null, getEvent = null, getDescriptor = null,
                getEvents = null, newEventFd = null, set = null, reset = null, efd = null, efdClose = null,
                free = null, closeFd = null;
        Throwable unavailable = null;
        try {
            Class<?> epoll = Class.forName("sun.nio.ch.EPoll");
            Class<?> eventFd = Class.forName("sun.nio.ch.EventFD");
            MethodHandles.Lookup e = MethodHandles.privateLookupIn(epoll, MethodHandles.lookup());
            MethodHandles.Lookup f = MethodHandles.privateLookupIn(eventFd, MethodHandles.lookup());
            create = e.findStatic(epoll, "create", MethodType.methodType(int.class));
            ctl = e.findStatic(epoll, "ctl", MethodType.methodType(int.class, int.class, int.class, int.class, int.class));
            wait = e.findStatic(epoll, "wait", MethodType.methodType(int.class, int.class, long.class, int.class, int.class));
            allocate = e.findStatic(epoll, "allocatePollArray", MethodType.methodType(long.class, int.class));
            getEvent = e.findStatic(epoll, "getEvent", MethodType.methodType(long.class, long.class, int.class));
            getDescriptor = e.findStatic(epoll, "getDescriptor", MethodType.methodType(int.class, long.class));
            getEvents = e.findStatic(epoll, "getEvents", MethodType.methodType(int.class, long.class));
            newEventFd = f.findConstructor(eventFd, MethodType.methodType(void.class)).asType(MethodType.methodType(Object.class));
            set = f.findVirtual(eventFd, "set", MethodType.methodType(void.class)).asType(MethodType.methodType(void.class, Object.class));
            reset = f.findVirtual(eventFd, "reset", MethodType.methodType(void.class)).asType(MethodType.methodType(void.class, Object.class));
            efd = f.findVirtual(eventFd, "efd", MethodType.methodType(int.class)).asType(MethodType.methodType(int.class, Object.class));
            efdClose = f.findVirtual(eventFd, "close", MethodType.methodType(void.class)).asType(MethodType.methodType(void.class, Object.class));
            free = e.findStatic(epoll, "freePollArray", MethodType.methodType(void.class, long.class));
            Class<?> dispatcher = Class.forName("sun.nio.ch.UnixFileDispatcherImpl");
            closeFd = MethodHandles.privateLookupIn(dispatcher, MethodHandles.lookup())
                    .findStatic(dispatcher, "closeIntFD", MethodType.methodType(void.class, int.class));
        } catch (ReflectiveOperationException | RuntimeException ex) {
            unavailable = ex;
        }
        CREATE = create;
        CTL = ctl;
        WAIT = wait;
        ALLOCATE = allocate;
        GET_EVENT = getEvent;
        GET_DESCRIPTOR = getDescriptor;
        GET_EVENTS = getEvents;
        NEW_EVENTFD = newEventFd;
        EVENTFD_SET = set;
        EVENTFD_RESET = reset;
        EVENTFD_FD = efd;
        EVENTFD_CLOSE = efdClose;
        FREE = free;
        CLOSE_FD = closeFd;
        UNAVAILABLE = unavailable;
    }

    /**
     * The greenlets waiting on one file descriptor, and what is armed in epoll for it. Kept per fd and
     * reused, so a wait allocates nothing.
     */
    private static final class FdWaiters {
        Strand reader;
        Strand writer;
        /** The events armed in epoll (0: not registered, or disarmed after its one-shot event). */
        int armed;

        int wanted() {
            return (reader != null ? EPOLLIN : 0) | (writer != null ? EPOLLOUT : 0);
        }
    }

    /** Closes the epoll fd, the eventfd and the event array once the hub is unreachable. */
    private record Resources(int epfd, Object eventFd, long events) implements Runnable {
        @Override
        public void run() {
            // each in its own try, so that one failure does not leak the others
            try {
                FREE.invokeExact(events);
            } catch (Throwable t) {
                System.err.println("gevent4j: freeing the epoll event array of an unreachable hub failed: " + t);
            }
            try {
                EVENTFD_CLOSE.invokeExact(eventFd);
            } catch (Throwable t) {
                System.err.println("gevent4j: closing the eventfd of an unreachable hub failed: " + t);
            }
            try {
                CLOSE_FD.invokeExact(epfd);
            } catch (Throwable t) {
                System.err.println("gevent4j: closing the epoll fd of an unreachable hub failed: " + t);
            }
        }
    }

    private static final Cleaner CLEANER = Cleaner.create(
            Thread.ofPlatform().daemon(true).name("gevent4j-hubpoller-cleaner").factory());

    private final Carrier carrier;
    private final int epfd;
    private final Object eventFd;
    private final int eventFdVal;
    private final long events;
    /** Indexed by fd (descriptors are small integers): no boxing, no hashing on the hot path. */
    private FdWaiters[] waiters = new FdWaiters[256];
    private int waiting;
    private long waits;
    /** The wait about to park (see {@link #waitPinned}); set just before the park, cleared after it. */
    private Strand parking;
    private FdWaiters parkingWaiters;
    private boolean parkingRead;
    private long parkingDeadline;
    private BooleanSupplier parkingIsOpen;
    private volatile boolean blocked;

    /**
     * @return true if this JVM lets the hub use its own epoll (the agent opens {@code sun.nio.ch})
     */
    public static boolean available() {
        return UNAVAILABLE == null;
    }

    /**
     * Creates the poller of a hub. Its epoll and eventfd descriptors are closed when the carrier
     * becomes unreachable (the hub's thread ended).
     *
     * @param carrier the hub's carrier
     * @throws IOException if epoll or eventfd cannot be created
     */
    public HubPoller(Carrier carrier) throws IOException {
        if (UNAVAILABLE != null) {
            throw new IOException("the hub's own epoll needs java.base/sun.nio.ch opened to gevent4j"
                    + " (the patch agent does that)", UNAVAILABLE);
        }
        this.carrier = carrier;
        try {
            this.epfd = (int) CREATE.invokeExact();
            this.eventFd = (Object) NEW_EVENTFD.invokeExact();
            this.eventFdVal = (int) EVENTFD_FD.invokeExact(eventFd);
            this.events = (long) ALLOCATE.invokeExact(MAX_EVENTS);
            CLEANER.register(carrier, new Resources(epfd, eventFd, events));
            int err = (int) CTL.invokeExact(epfd, EPOLL_CTL_ADD, eventFdVal, EPOLLIN);
            if (err != 0) {
                throw new IOException("epoll_ctl(ADD eventfd) failed with errno " + err);
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("creating the hub's epoll failed", t);
        }
    }

    /** {@return the number of greenlets waiting for readiness} */
    public int waiting() {
        return waiting;
    }

    /** {@return how many waits {@link #poll(int, int, long, BooleanSupplier)} has handled (for tests and diagnosis)} */
    public long waitCount() {
        return waits;
    }

    /** {@return the epoll file descriptor (for diagnosis: {@code /proc/self/fdinfo/<fd>} lists its registrations)} */
    public int epollFd() {
        return epfd;
    }

    private FdWaiters waitersOf(int fd) {
        FdWaiters[] table = waiters;
        if (fd >= table.length) {
            table = java.util.Arrays.copyOf(table, Math.max(fd + 1, table.length * 2));
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
     * Parks the current greenlet until {@code fd} is ready for {@code event} (1 = read, 4 = write),
     * {@code nanos} pass (0 = no limit), or the socket is closed. Returns normally in every case; the
     * caller (the JDK's socket code) re-checks. An interrupt sets the interrupt status and returns;
     * a kill or Timeout raised into the greenlet is thrown from here, and the socket stays open.
     * However the wait ends, the registration is withdrawn from epoll unless its event fired (which
     * disarmed it), so no stale registration is left behind.
     *
     * @param fd the file descriptor
     * @param event 1 for read, 4 for write
     * @param nanos the longest wait, 0 for no limit
     * @param isOpen checked after registering, so that a close racing with the registration is seen
     * @throws IOException if epoll_ctl fails
     */
    public void poll(int fd, int event, long nanos, BooleanSupplier isOpen) throws IOException {
        Strand me = Strand.current();
        FdWaiters w = waitersOf(fd);
        boolean read = event == EPOLLIN;
        if (read ? w.reader != null : w.writer != null) {
            throw new IllegalStateException("gevent4j: two greenlets wait to " + (read ? "read" : "write") + " fd " + fd
                    + " at once (" + (read ? w.reader : w.writer).name() + " and " + me.name() + ")");
        }
        if (read) {
            w.reader = me;
        } else {
            w.writer = me;
        }
        try {
            arm(fd, w);
        } catch (IOException e) {
            if (read) {
                w.reader = null;
            } else {
                w.writer = null;
            }
            throw e;
        }
        waiting++;
        waits++;
        carrier.retainExternal();
        TimerHandle timer = nanos > 0 ? Hub.of(me).callLater(java.time.Duration.ofNanos(nanos), me::unpark) : null;
        try {
            if (isOpen.getAsBoolean()) {
                parking = me;
                parkingWaiters = w;
                parkingRead = read;
                parkingDeadline = nanos > 0 ? System.nanoTime() + nanos : 0;
                parkingIsOpen = isOpen;
                me.park(this);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            parking = null;
            parkingWaiters = null;
            parkingIsOpen = null;
            waiting--;
            carrier.releaseExternal();
            if (timer != null) {
                timer.cancel();
            }
            // Still registered: the wait ended without our event (timeout, close, kill, interrupt).
            if (read ? w.reader == me : w.writer == me) {
                if (read) {
                    w.reader = null;
                } else {
                    w.writer = null;
                }
                if (w.armed != 0) {
                    try {
                        if (w.wanted() != 0) {
                            arm(fd, w);
                        } else {
                            disarm(fd, w);
                        }
                    } catch (IOException | RuntimeException e) {
                        // Never replace the exception that may be ending this wait (a kill, a Timeout): report
                        // it, and wake the other waiter of this fd, which re-polls (and re-registers) by itself.
                        Hub.of(me).reportError("re-arming the hub's epoll for fd " + fd, e);
                        Strand other = read ? w.writer : w.reader;
                        if (other != null) {
                            other.unpark();
                        }
                    }
                }
            }
        }
    }

    /**
     * The greenlet parking in {@link #poll(int, int, long, BooleanSupplier)} could not unmount: it is
     * pinned to the hub's thread (a class initializer or a native frame is on its stack), so its park
     * would block the hub's thread itself and nobody would ever poll this epoll. Instead, the hub's
     * thread (on which the pinned greenlet runs) waits in this epoll until the greenlet's event, its
     * timeout, an interrupt or a close (checked every 50 ms: a close from another thread cannot wake a
     * hub that is busy). Events of other greenlets are dispatched meanwhile (they run once the pinned one
     * moves on). The patch agent calls this from the JDK's park-on-carrier path, so an unpinned wait pays
     * nothing for it.
     *
     * @param me the current strand, whose park found it pinned
     * @return true if {@code me} is waiting in this poller and the wait was done here (the caller then
     *         returns from its park); false if {@code me} is not in a wait of this poller
     */
    public boolean waitPinned(Strand me) {
        FdWaiters w = parkingWaiters;
        if (parking != me || w == null) {
            return false;
        }
        boolean read = parkingRead;
        long deadline = parkingDeadline;
        BooleanSupplier isOpen = parkingIsOpen;
        while (read ? w.reader == me : w.writer == me) {
            if (Thread.currentThread().isInterrupted() || !isOpen.getAsBoolean()) {
                break;
            }
            long sliceMillis = 50;
            if (deadline != 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                sliceMillis = Math.min(sliceMillis, (left + 999_999) / 1_000_000);
            }
            poll((int) sliceMillis);
        }
        return true;
    }

    /** Arms the one-shot registration of {@code fd} for the events its waiters want. */
    private void arm(int fd, FdWaiters w) throws IOException {
        int mask = w.wanted();
        try {
            int err = (int) CTL.invokeExact(epfd, EPOLL_CTL_MOD, fd, EPOLLONESHOT | mask);
            if (err == ENOENT) {
                err = (int) CTL.invokeExact(epfd, EPOLL_CTL_ADD, fd, EPOLLONESHOT | mask);
            }
            if (err != 0) {
                throw new IOException("epoll_ctl on fd " + fd + " failed with errno " + err);
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("epoll_ctl on fd " + fd + " failed", t);
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
        try {
            int err = (int) CTL.invokeExact(epfd, EPOLL_CTL_DEL, fd, 0);
            assert err == 0 || err == ENOENT || err == EBADF : "epoll_ctl(DEL) failed with errno " + err;
        } catch (Throwable t) {
            throw new IllegalStateException("epoll_ctl(DEL) on fd " + fd + " failed", t);
        }
    }

    /**
     * Wakes the greenlets waiting on {@code fd} for {@code event} (0 = both): the socket was closed or
     * shut down. Any thread.
     *
     * @param fd the file descriptor
     * @param event 1, 4 or 0
     */
    public void stopPoll(int fd, int event) {
        Runnable wake = () -> {
            FdWaiters[] table = waiters;
            FdWaiters w = fd < table.length ? table[fd] : null;
            if (w != null) {
                if (w.reader != null && (event == 0 || event == EPOLLIN)) {
                    w.reader.unpark();
                }
                if (w.writer != null && (event == 0 || event == EPOLLOUT)) {
                    w.writer.unpark();
                }
            }
        };
        if (carrier.inCarrier()) {
            wake.run();
        } else {
            carrier.execute(wake);
        }
    }

    /**
     * Polls for readiness and wakes the ready greenlets.
     *
     * @param timeoutMillis 0 to return at once, -1 to block until an event or {@link #wakeup()}
     */
    public void poll(int timeoutMillis) {
        int n;
        try {
            if (timeoutMillis != 0) {
                blocked = true;
            }
            n = (int) WAIT.invokeExact(epfd, events, MAX_EVENTS, timeoutMillis);
        } catch (Throwable t) {
            throw new IllegalStateException("epoll_wait of the hub failed", t);
        } finally {
            blocked = false;
        }
        FdWaiters[] table = waiters;
        for (int i = 0; i < n; i++) {
            int fd;
            int ready;
            try {
                long address = (long) GET_EVENT.invokeExact(events, i);
                fd = (int) GET_DESCRIPTOR.invokeExact(address);
                ready = (int) GET_EVENTS.invokeExact(address);
                if (fd == eventFdVal) {
                    EVENTFD_RESET.invokeExact(eventFd);
                    continue;
                }
            } catch (Throwable t) {
                throw new IllegalStateException("reading the hub's epoll events failed", t);
            }
            FdWaiters w = fd < table.length ? table[fd] : null;
            if (w == null) {
                continue;
            }
            // One-shot: the whole registration is disarmed now, whichever event fired.
            w.armed = 0;
            boolean error = (ready & (EPOLLERR | EPOLLHUP)) != 0;
            if (w.reader != null && (error || (ready & EPOLLIN) != 0)) {
                Strand s = w.reader;
                w.reader = null;
                s.unpark();
            }
            if (w.writer != null && (error || (ready & EPOLLOUT) != 0)) {
                Strand s = w.writer;
                w.writer = null;
                s.unpark();
            }
            if (w.wanted() != 0) {
                // a reader and a writer shared the registration and only one event fired: re-arm the other
                try {
                    arm(fd, w);
                } catch (IOException e) {
                    // cannot wait for it any more: wake it, the JDK's socket code re-checks and reports
                    wakeAll(w);
                }
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
     * Wakes the hub's thread from a blocking {@link #poll(int)}, or makes its next one return at once.
     * Any thread. Unconditional on purpose: the caller saw the carrier idle, and the carrier may be
     * just about to enter epoll_wait.
     */
    public void wakeup() {
        {
            try {
                EVENTFD_SET.invokeExact(eventFd);
            } catch (Throwable t) {
                throw new IllegalStateException("waking the hub through its eventfd failed", t);
            }
        }
    }

    /** {@return true while the hub's thread is blocked in epoll_wait} */
    public boolean isBlocked() {
        return blocked;
    }
}
