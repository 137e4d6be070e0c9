package io.gevent4j.internal.loop;

import io.gevent4j.core.Carrier;
import io.gevent4j.core.LoopExit;
import io.gevent4j.core.Strand;
import io.gevent4j.core.internal.ErrorSink;
import io.gevent4j.internal.jfr.Jfr;
import io.gevent4j.internal.jfr.LoopExitEvent;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * The event loop of one carrier, below the {@code Hub} that faces the user: the carrier's
 * {@link Carrier.Hooks} (what runs each turn: the timer heap and the fd poller; how the idle carrier
 * waits and is woken), the error sink of this loop, and attachments closed with it (the thread pool,
 * monitors' state). It knows nothing of {@code Hub} or {@code Gevent}: the hub sets itself as the
 * carrier's owner and gives the loop a way to describe its greenlets ({@link #setDescriber}).
 *
 * <p>Loop thread only (the carrier thread and its greenlets), except where a method says otherwise.
 */
public final class Loop implements Carrier.Hooks {
    private static final Set<Loop> LOOPS = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
    private static final List<LoopListener> LISTENERS = loadListeners();

    private final Carrier carrier;
    private final TimerHeap timers = new TimerHeap();
    private final TimerHeap.TimerErrors timerErrors = (timer, error) -> reportError("timer callback " + timer, error);
    /** The loop's own epoll, created when a greenlet first waits for socket readiness through it. */
    private volatile FdPoller poller;
    private volatile BiConsumer<Object, Throwable> errorHandler;
    private Supplier<String> describer;
    /** Closed with the loop, in reverse order of attachment. */
    private final Map<Object, AutoCloseable> attachments = new LinkedHashMap<>(4);
    private volatile boolean closed;

    private Loop(Carrier carrier) {
        this.carrier = carrier;
        carrier.attach(this);
        LOOPS.add(this);
    }

    private static List<LoopListener> loadListeners() {
        List<LoopListener> out = new ArrayList<>(2);
        for (LoopListener l : ServiceLoader.load(LoopListener.class, Loop.class.getClassLoader())) {
            out.add(l);
        }
        return List.copyOf(out);
    }

    /**
     * The loop of a carrier, created (and its carrier's hooks installed) on first use.
     *
     * @param carrier the carrier
     * @return its loop
     */
    public static Loop of(Carrier carrier) {
        return carrier.hooks() instanceof Loop l ? l : new Loop(carrier);
    }

    /**
     * The loop of a strand's carrier.
     *
     * @param strand a strand
     * @return its loop
     */
    public static Loop of(Strand strand) {
        return of(strand.carrier());
    }

    /** {@return the loop of the calling thread (created on first use)} */
    public static Loop current() {
        return of(Carrier.current());
    }

    /** {@return the loop of the calling thread, or {@code null} if it has none} */
    public static Loop currentOrNull() {
        Carrier c = Carrier.currentOrNull();
        return c != null && c.hooks() instanceof Loop l ? l : null;
    }

    /**
     * Tells the {@link LoopListener}s about a new loop. Called by the face once it is complete. An
     * exception from a listener propagates to the caller (a bad monitor property, say); listeners
     * answer it once per process.
     */
    public void announce() {
        for (LoopListener l : LISTENERS) {
            l.loopCreated(this);
        }
    }

    /**
     * Every loop of the process that is not closed, for monitors. Any thread.
     *
     * @return a snapshot
     */
    public static List<Loop> all() {
        synchronized (LOOPS) {
            return new ArrayList<>(LOOPS);
        }
    }

    /** {@return the carrier under this loop} */
    public Carrier carrier() {
        return carrier;
    }

    /** {@return the object facing the user (the hub), or {@code null}} */
    public Object face() {
        return carrier.owner();
    }

    /** {@return the timer heap (loop thread only)} */
    public TimerHeap timers() {
        return timers;
    }

    /**
     * Schedules a wake-up of {@code strand} after {@code nanos}.
     *
     * @param nanos how long from now; zero or less: the next turn
     * @param strand the strand to unpark
     * @return the timer
     */
    public TimerHeap.Timer wakeLater(long nanos, Strand strand) {
        return timers.wakeAt(Deadline.afterNanos(nanos), strand);
    }

    /**
     * Fires the due timers now, outside a turn (for a greenlet pinned to the carrier while it waits).
     *
     * @return nanoseconds until the next timer, or -1 if none
     */
    long fireDueTimers() {
        return timers.size() == 0 ? -1 : timers.fireDue(System.nanoTime(), timerErrors);
    }

    // ---- the fd poller -------------------------------------------------------------------------

    /**
     * The loop's own epoll, created on first use. Loop thread only.
     *
     * @return the poller
     * @throws IOException if it cannot be created (see {@link FdPoller#available()})
     */
    public FdPoller poller() throws IOException {
        FdPoller p = poller;
        if (p == null) {
            carrier.checkInCarrier("the hub's poller");
            if (closed) {
                throw new IOException("gevent4j: the hub of thread \"" + carrier.thread().getName() + "\" is closed");
            }
            p = new FdPoller(this);
            poller = p;
        }
        return p;
    }

    /** {@return the poller if this loop has made one, else {@code null}; any thread} */
    public FdPoller pollerOrNull() {
        return poller;
    }

    /**
     * Wakes the greenlets of every loop waiting on {@code fd} (the socket is being closed). Any thread.
     *
     * @param fd the file descriptor
     * @param event the event, or {@code null} for both
     */
    public static void wakeFdWaitersEverywhere(int fd, IoEvent event) {
        for (Loop loop : all()) {
            FdPoller p = loop.poller;
            if (p != null) {
                p.wakeWaiters(fd, event);
            }
        }
    }

    /** The poller's machinery failed: report it, fail its waiters, and make a new one next time. */
    private void pollerFailed(FdPoller p, Throwable error) {
        reportError("the hub's epoll (its waiters are failed with this error)", error);
        if (poller == p) {
            poller = null;
        }
        try {
            p.failWaiters(error);
        } finally {
            p.close();
        }
    }

    // ---- Carrier.Hooks --------------------------------------------------------------------------

    @Override
    public long runDue() {
        FdPoller p = poller;
        if (p != null && p.waiting() > 0) {
            try {
                p.dispatch(0);
            } catch (Throwable error) {
                pollerFailed(p, error);
            }
        }
        if (timers.size() == 0) {
            return -1;
        }
        return timers.fireDue(System.nanoTime(), timerErrors);
    }

    @Override
    public void idle(Thread carrierThread, long nanos) {
        FdPoller p = poller;
        if (p == null) {
            if (nanos < 0) {
                LockSupport.park(this);
            } else if (nanos > 0) {
                LockSupport.parkNanos(this, nanos);
            }
            return;
        }
        try {
            p.dispatch(Deadline.toMillisCeil(nanos));
        } catch (Throwable error) {
            pollerFailed(p, error);
        }
    }

    @Override
    public void wakeup(Thread carrierThread) {
        FdPoller p = poller;
        if (p != null && !p.isClosed()) {
            p.wakeup();
        }
        LockSupport.unpark(carrierThread);
    }

    @Override
    public String describeState() {
        Supplier<String> d = describer;
        return d != null ? d.get() : "Loop of thread \"" + carrier.thread().getName() + "\": " + carrier.liveCount()
                + " live strand(s), " + timers.size() + " timer(s)\n";
    }

    @Override
    public void reportTaskError(Throwable error) {
        reportError("hub callback", error);
    }

    @Override
    public void loopExit(LoopExit exit) {
        if (Jfr.active()) {
            LoopExitEvent.emit(face() != null ? face() : this, exit);
        }
    }

    /**
     * How {@link LoopExit} messages describe the loop's state; set by the face.
     *
     * @param describer makes a multi-line description
     */
    public void setDescriber(Supplier<String> describer) {
        this.describer = describer;
    }

    // ---- errors ---------------------------------------------------------------------------------

    /**
     * Reports an error the loop caught and survived, to this loop's handler if one is set, else to the
     * process-wide {@link ErrorSink}. Any thread; never throws.
     *
     * @param context what failed (a greenlet, a callback)
     * @param error the error
     */
    public void reportError(Object context, Throwable error) {
        ErrorSink.report(errorHandler, context, error);
    }

    /**
     * Replaces this loop's error handler; {@code null} restores the process-wide one. Any thread.
     *
     * @param handler receives the context and the error
     */
    public void setErrorHandler(BiConsumer<Object, Throwable> handler) {
        this.errorHandler = handler;
    }

    /** {@return this loop's own error handler, or {@code null} when it uses the process-wide one} */
    public BiConsumer<Object, Throwable> errorHandler() {
        return errorHandler;
    }

    // ---- attachments and closing ----------------------------------------------------------------

    /**
     * The attachment stored under {@code key}, made with {@code factory} on first use and closed when
     * the loop closes. Loop thread only.
     *
     * @param key identifies the attachment (its class, say)
     * @param factory makes it
     * @param <T> its type
     * @return the attachment
     * @throws IllegalStateException if the loop is closed
     */
    @SuppressWarnings("unchecked")
    public <T extends AutoCloseable> T attachment(Object key, Supplier<T> factory) {
        AutoCloseable a = attachments.get(key);
        if (a == null) {
            if (closed) {
                throw new IllegalStateException("gevent4j: the hub of thread \"" + carrier.thread().getName()
                        + "\" is closed; use the thread's new hub (Hub.current())");
            }
            a = factory.get();
            attachments.put(key, a);
        }
        return (T) a;
    }

    /** {@return true once {@link #close()} ran; any thread} */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Closes the loop: cancels its timers, closes its attachments (newest first) and its epoll, and
     * detaches it from the carrier, so that the thread's next use makes a new loop. Each failure is
     * reported and the rest still close. Loop thread only, with no greenlet left waiting.
     */
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        timers.clear();
        List<AutoCloseable> toClose = new ArrayList<>(attachments.values());
        Collections.reverse(toClose);
        attachments.clear();
        for (AutoCloseable a : toClose) {
            try {
                a.close();
            } catch (Throwable error) {
                reportError("closing " + a + " of a closing hub", error);
            }
        }
        FdPoller p = poller;
        poller = null;
        if (p != null) {
            try {
                p.close();
            } catch (Throwable error) {
                reportError("closing the epoll of a closing hub", error);
            }
        }
        carrier.detach(this);
        LOOPS.remove(this);
    }

    @Override
    public String toString() {
        return "Loop[" + carrier.thread().getName() + "]";
    }
}
