package io.gevent4j.core.internal;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.ref.Cleaner;

/**
 * The JDK-native part of a hub's own epoll: an epoll instance, an eventfd to wake it from other
 * threads, and the native array epoll_wait fills, reached through the JDK's own
 * {@code sun.nio.ch.EPoll}, {@code sun.nio.ch.EventFD} and {@code sun.nio.ch.UnixFileDispatcherImpl}
 * (which the patch agent, or {@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED}, opens). It knows
 * nothing of greenlets: the hub's fd poller ({@code io.gevent4j.internal.loop.FdPoller}) keeps the
 * waiters of each fd.
 *
 * <p>{@link #close()} releases the three native resources at once; if the owner never closes it, a
 * cleaner releases them once the {@code owner} given to {@link #open} is unreachable. Owner's thread
 * only, except {@link #wakeup()}.
 */
public final class NativeEPoll implements AutoCloseable {
    /** epoll_ctl operations. */
    public static final int CTL_ADD = 1;
    /** epoll_ctl operations. */
    public static final int CTL_DEL = 2;
    /** epoll_ctl operations. */
    public static final int CTL_MOD = 3;
    /** Event bits. */
    public static final int EPOLLIN = 0x1;
    /** Event bits: urgent (out-of-band) data. */
    public static final int EPOLLPRI = 0x2;
    /** Event bits. */
    public static final int EPOLLOUT = 0x4;
    /** Event bits. */
    public static final int EPOLLERR = 0x8;
    /** Event bits. */
    public static final int EPOLLHUP = 0x10;
    /** Event bits: the peer shut down its output. */
    public static final int EPOLLRDHUP = 0x2000;
    /** Event bits. */
    public static final int EPOLLONESHOT = 1 << 30;
    /** Event bits: edge-triggered. */
    public static final int EPOLLET = 1 << 31;
    /** errno values epoll_ctl returns that callers handle. */
    public static final int ENOENT = 2;
    /** errno values epoll_ctl returns that callers handle. */
    public static final int EBADF = 9;
    /** errno values epoll_ctl returns that callers handle. */
    public static final int EEXIST = 17;
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

    private static final Cleaner CLEANER = Cleaner.create(
            Thread.ofPlatform().daemon(true).name("gevent4j-hubpoller-cleaner").factory());

    /** Releases the epoll fd, the eventfd and the event array, each on its own, once. */
    private record Resources(int epfd, Object eventFd, long events) implements Runnable {
        @Override
        public void run() {
            // each in its own try, so that one failure does not leak the others
            try {
                FREE.invokeExact(events);
            } catch (Throwable t) {
                ErrorSink.report("freeing the epoll event array of a hub", t);
            }
            try {
                EVENTFD_CLOSE.invokeExact(eventFd);
            } catch (Throwable t) {
                ErrorSink.report("closing the eventfd of a hub", t);
            }
            try {
                CLOSE_FD.invokeExact(epfd);
            } catch (Throwable t) {
                ErrorSink.report("closing the epoll fd of a hub", t);
            }
        }
    }

    private final int epfd;
    private final Object eventFd;
    private final int eventFdVal;
    private final long events;
    private final Cleaner.Cleanable cleanable;
    private boolean closed;
    private volatile boolean blocked;

    /** {@return true if this JVM lets gevent4j use epoll directly ({@code java.base/sun.nio.ch} is open to it)} */
    public static boolean available() {
        return UNAVAILABLE == null;
    }

    private NativeEPoll(int epfd, Object eventFd, int eventFdVal, long events, Object owner) {
        this.epfd = epfd;
        this.eventFd = eventFd;
        this.eventFdVal = eventFdVal;
        this.events = events;
        this.cleanable = CLEANER.register(owner, new Resources(epfd, eventFd, events));
    }

    /**
     * Creates an epoll instance with an eventfd registered for wake-ups.
     *
     * @param owner its resources are released when this becomes unreachable, if {@link #close()} was not called
     * @return the new instance
     * @throws IOException if epoll or the eventfd cannot be created, or {@code sun.nio.ch} is not open
     */
    public static NativeEPoll open(Object owner) throws IOException {
        if (UNAVAILABLE != null) {
            throw new IOException("the hub's own epoll needs java.base/sun.nio.ch opened to gevent4j"
                    + " (the patch agent does that, or --add-opens java.base/sun.nio.ch=ALL-UNNAMED)", UNAVAILABLE);
        }
        NativeEPoll made;
        try {
            int epfd = (int) CREATE.invokeExact();
            Object eventFd = (Object) NEW_EVENTFD.invokeExact();
            int eventFdVal = (int) EVENTFD_FD.invokeExact(eventFd);
            long events = (long) ALLOCATE.invokeExact(MAX_EVENTS);
            made = new NativeEPoll(epfd, eventFd, eventFdVal, events, owner);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("creating the hub's epoll failed", t);
        }
        int err = made.ctl(CTL_ADD, made.eventFdVal, EPOLLIN);
        if (err != 0) {
            made.close();
            throw new IOException("epoll_ctl(ADD eventfd) failed with errno " + err);
        }
        return made;
    }

    /** {@return the epoll file descriptor (for diagnosis: {@code /proc/self/fdinfo/<fd>} lists its registrations)} */
    public int fd() {
        return epfd;
    }

    /**
     * epoll_ctl.
     *
     * @param op {@link #CTL_ADD}, {@link #CTL_MOD} or {@link #CTL_DEL}
     * @param fd the file descriptor
     * @param mask the event bits
     * @return 0, or the errno
     */
    public int ctl(int op, int fd, int mask) {
        try {
            return (int) CTL.invokeExact(epfd, op, fd, mask);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("epoll_ctl on fd " + fd + " failed", t);
        }
    }

    /**
     * epoll_wait into the native array; a wake-up through the eventfd is consumed here and not counted.
     *
     * @param timeoutMillis 0 to return at once, -1 for no limit
     * @param sink receives each ready fd and its event bits
     * @return the number of events passed to {@code sink}
     */
    public int waitEvents(int timeoutMillis, ReadySink sink) {
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
        if (n < 0) {
            throw new IllegalStateException("epoll_wait of the hub failed with " + n);
        }
        int passed = 0;
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
            passed++;
            sink.ready(fd, ready);
        }
        return passed;
    }

    /** Receives the events of one {@link #waitEvents} call. */
    @FunctionalInterface
    public interface ReadySink {
        /**
         * @param fd the ready file descriptor
         * @param events its event bits ({@link #EPOLLIN}, {@link #EPOLLOUT}, {@link #EPOLLERR}, {@link #EPOLLHUP})
         */
        void ready(int fd, int events);
    }

    /**
     * Wakes the owner's thread from a blocking {@link #waitEvents}, or makes its next one return at once.
     * Any thread.
     */
    public void wakeup() {
        try {
            EVENTFD_SET.invokeExact(eventFd);
        } catch (Throwable t) {
            throw new IllegalStateException("waking the hub through its eventfd failed", t);
        }
    }

    /** {@return true while the owner's thread is blocked in epoll_wait; any thread} */
    public boolean isBlocked() {
        return blocked;
    }

    /** Releases the epoll fd, the eventfd and the event array now. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            cleanable.clean();
        }
    }

    /** {@return true after {@link #close()}} */
    public boolean isClosed() {
        return closed;
    }
}
