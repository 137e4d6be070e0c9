package io.gevent4j.core;

import io.gevent4j.core.internal.ErrorSink;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.concurrent.locks.LockSupport;

/**
 * One flow of control on a {@link Carrier}: either a greenlet (a virtual thread whose continuation the
 * carrier runs) or the carrier thread's own root strand (gevent's main greenlet). A strand parks with
 * {@link #park(Object)} and is woken with {@link #unpark()}; an exception can be raised inside it with
 * {@link #raise(Throwable)}, which is how kill and Timeout work.
 *
 * <h2>Park states</h2>
 * <pre>
 *   RUNNING --park()--------------> PARKED_IN_HUB --unpark()/raise()--> READY --carrier runs it--> RUNNING
 *   RUNNING --JDK park (socket,...)-> PARKED_ELSEWHERE --JDK wakes it, or raise() interrupts it--> READY
 * </pre>
 * A greenlet parked in the hub is waiting for something only the hub can do (a timer, an event, a
 * queue); the carrier counts those to detect {@link LoopExit}. A greenlet parked elsewhere (by the
 * JDK's socket code, a JDK lock) will be woken by another thread. Wake-ups may be spurious: callers of
 * {@code park} re-check their condition in a loop.
 *
 * <p>All methods except {@link #unpark()} of a greenlet strand must be called on the strand's carrier.
 */
public abstract class Strand implements Thread.UncaughtExceptionHandler, Runnable {
    private static final VarHandle BLOCKER;
    private static final VarHandle PARKED_IN_HUB;
    private static final VarHandle NEXT_LIVE;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            BLOCKER = lookup.findVarHandle(Strand.class, "blocker", Object.class);
            PARKED_IN_HUB = lookup.findVarHandle(Strand.class, "parkedInHub", boolean.class);
            NEXT_LIVE = lookup.findVarHandle(Strand.class, "nextLive", Strand.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Carrier carrier;
    private Thread thread;
    private Throwable pendingThrow;
    /** Exceptions raised while {@link #pendingThrow} was still pending, in order; usually null. */
    private ArrayDeque<Throwable> laterThrows;
    private boolean interruptedForThrow;
    /** Written by the carrier; published (opaque) so that monitors on other threads may read it. */
    private boolean parkedInHub;
    /** As {@link #parkedInHub}. */
    private Object blocker;
    /** Set, with its deadline, only while this strand is parked in {@link #parkUntil}; read only by its own thread. */
    private boolean parkTimed;
    private long parkDeadline;
    Strand prevLive;
    /** The carrier's live list (see {@link Carrier#forEachLive}): written with release, read with acquire. */
    private Strand nextLive;

    /**
     * Creates a greenlet strand on the given carrier; its thread is created by {@link #createThread}.
     *
     * @param carrier the carrier it will run on
     */
    protected Strand(Carrier carrier) {
        this(carrier, null);
    }

    Strand(Carrier carrier, Thread thread) {
        this.carrier = carrier;
        this.thread = thread;
    }

    /**
     * The strand running now: the current greenlet, or the root strand of the calling platform thread's
     * carrier (created on first use).
     *
     * @return the current strand
     */
    public static Strand current() {
        Strand strand = Carrier.currentStrand();
        return strand != null ? strand : Carrier.current().root();
    }

    /**
     * The strand running now, without creating a carrier.
     *
     * @return the current strand, or {@code null} on a thread that never used gevent4j
     */
    public static Strand currentOrNull() {
        return Carrier.currentStrand();
    }

    /** {@return the carrier this strand runs on} */
    public final Carrier carrier() {
        return carrier;
    }

    /** {@return the strand's thread: a virtual thread for a greenlet, the carrier thread for the root} */
    public final Thread thread() {
        return thread;
    }

    /** {@return true for the carrier thread's own strand} */
    public final boolean isRoot() {
        return this instanceof Carrier.RootStrand;
    }

    /** {@return a name for dumps and error messages} */
    public String name() {
        return thread == null ? "unstarted strand" : thread.toString();
    }

    /** {@return what this strand is parked on in the hub, or {@code null}; any thread (published, may be stale)} */
    public final Object blocker() {
        return BLOCKER.getOpaque(this);
    }

    /** {@return true while parked in {@link #park(Object)}; any thread (published, may be stale)} */
    public final boolean isParkedInHub() {
        return (boolean) PARKED_IN_HUB.getOpaque(this);
    }

    Strand nextLiveAcquire() {
        return (Strand) NEXT_LIVE.getAcquire(this);
    }

    void setNextLive(Strand next) {
        NEXT_LIVE.setRelease(this, next);
    }

    /**
     * Creates the virtual thread of this greenlet strand, unstarted. The body runs with this strand as
     * the current one and is counted as live by the carrier while it runs.
     *
     * @param body what the greenlet does
     * @return the new thread; start it to schedule the greenlet
     */
    protected final Thread createThread(Runnable body) {
        return newThreadOf(() -> runAsGreenlet(body));
    }

    /**
     * Creates the virtual thread of this greenlet strand, unstarted, whose task is this strand itself:
     * {@link #run()} runs {@link #runBody()}, counted as live. It saves the task object and a frame of
     * every parked greenlet's stack that {@link #createThread(Runnable)} costs.
     *
     * @return the new thread; start it to schedule the greenlet
     */
    protected final Thread createThread() {
        return newThreadOf(this);
    }

    private Thread newThreadOf(Runnable task) {
        if (thread != null) {
            throw new IllegalStateException(name() + " already has a thread");
        }
        Thread t = carrier.newThread(this, task);
        thread = t;
        return t;
    }

    /**
     * What a strand whose thread was made by {@link #createThread()} runs. A subclass that makes its
     * thread that way overrides it; the default fails, naming the strand, because a strand made with
     * {@link #createThread(Runnable)} has its body in that {@code Runnable} and never comes here.
     */
    protected void runBody() {
        throw new IllegalStateException("gevent4j: " + name() + " was started as its own thread's task but does not "
                + "override Strand.runBody(); override it, or make the thread with createThread(Runnable)");
    }

    /**
     * The task of the thread made by {@link #createThread()}: runs {@link #runBody()}, counted as live
     * by the carrier. Run by the JDK on that thread; calling it from anywhere else fails.
     */
    @Override
    public final void run() {
        if (Thread.currentThread() != thread || this instanceof Carrier.RootStrand) {
            throw new WrongThreadException("gevent4j: " + name() + " runs only as its own thread's task");
        }
        Carrier c = carrier;
        c.liveBegun(this);
        try {
            runBody();
        } finally {
            c.liveEnded(this);
        }
    }

    /**
     * Reports an exception that escaped the greenlet's body (the strand is its thread's handler; see
     * {@link Carrier}). Subclasses that catch everything in their body never get here.
     *
     * @param thread the greenlet's thread
     * @param error what escaped
     */
    @Override
    public void uncaughtException(Thread thread, Throwable error) {
        ErrorSink.report(name() + " (uncaught)", error);
    }

    /**
     * Starts the thread made by {@link #createThread} so that it runs right after the current task,
     * ahead of the rest of the ready queue (a direct switch). Carrier only.
     */
    protected final void startNext() {
        carrier.submitNextToFront();
        carrier.start(thread);
    }

    /**
     * Starts the thread made by {@link #createThread}: it is queued at the end of the ready queue. Use
     * this rather than {@code thread.start()}: it starts the thread in its carrier's thread container,
     * which is cheaper than the JDK's shared root container and is what thread dumps list under the
     * carrier. Carrier only.
     */
    protected final void startThread() {
        carrier.start(thread);
    }

    private void runAsGreenlet(Runnable body) {
        Carrier c = carrier;
        c.liveBegun(this);
        try {
            body.run();
        } finally {
            c.liveEnded(this);
        }
    }

    /**
     * Parks the current strand until {@link #unpark()} or {@link #raise(Throwable)}. On a greenlet this
     * yields its carrier to other greenlets; on the root strand it runs the carrier's loop. An
     * exception raised into the strand is thrown from here.
     *
     * @param blocker what the strand waits on, shown in dumps
     * @throws InterruptedException if the thread was interrupted
     * @throws LoopExit on the root strand, if nothing could ever wake it
     */
    public final void park(Object blocker) throws InterruptedException {
        park(blocker, true);
    }

    /**
     * {@link #park(Object)} for a wait that ends by itself at {@code deadline} (a sleep): the caller has
     * arranged for a hub timer to unpark the strand then. While parked, {@link #parkNanosLeft()} says how
     * much of the wait is left: a greenlet pinned to its carrier blocks the hub's thread, so that timer
     * cannot fire, and the patch agent then parks the carrier only that long. So the park may return at
     * the deadline without the timer having fired: the caller checks the deadline itself.
     *
     * @param blocker what the strand waits on, shown in dumps
     * @param deadline when the wait ends, in {@link System#nanoTime()} terms
     * @throws InterruptedException if the thread was interrupted
     * @throws LoopExit on the root strand, if nothing could ever wake it
     */
    public final void parkUntil(Object blocker, long deadline) throws InterruptedException {
        parkDeadline = deadline;
        parkTimed = true;
        try {
            park(blocker, true);
        } finally {
            parkTimed = false;
        }
    }

    /**
     * {@return while this strand is parked in {@link #parkUntil}, the nanoseconds left until its deadline
     * (0 if it has passed); otherwise -1} Meant for the strand's own thread (the park-on-carrier path of
     * a pinned greenlet).
     */
    public final long parkNanosLeft() {
        if (!parkTimed || !parkedInHub) {
            return -1;
        }
        return Math.max(0, parkDeadline - System.nanoTime());
    }

    /**
     * {@link #park(Object)}, optionally never raising {@link LoopExit}: for a root that runs the loop
     * until some other thread stops it.
     *
     * @param blocker what the strand waits on
     * @param mayExit whether a loop that can never wake the root raises {@link LoopExit}
     * @throws InterruptedException if the thread was interrupted
     */
    public final void park(Object blocker, boolean mayExit) throws InterruptedException {
        if (Thread.currentThread() != thread) {
            throw new WrongThreadException("gevent4j: park() of " + name() + " called from " + Thread.currentThread());
        }
        throwPending();
        BLOCKER.setOpaque(this, blocker);
        PARKED_IN_HUB.setOpaque(this, true);
        try {
            if (this instanceof Carrier.RootStrand) {
                carrier.parkRoot(mayExit);
            } else {
                carrier.parkedInHub(1);
                try {
                    LockSupport.park(blocker);
                } finally {
                    carrier.parkedInHub(-1);
                }
            }
        } finally {
            PARKED_IN_HUB.setOpaque(this, false);
            BLOCKER.setOpaque(this, null);
        }
        throwPending();
        if (Thread.interrupted()) {
            throw new InterruptedException(name() + " was interrupted while waiting on " + blocker);
        }
    }

    /**
     * Makes a parked strand ready again (a permit, as {@link LockSupport#unpark}: an unpark before the
     * park makes the next park return at once). Greenlet strands may be unparked from any thread; the
     * root strand from any thread too (from elsewhere it goes through the carrier's remote queue).
     */
    public final void unpark() {
        if (this instanceof Carrier.RootStrand root) {
            if (carrier.inCarrier()) {
                root.permit = true;
            } else {
                carrier.execute(() -> root.permit = true);
            }
        } else {
            LockSupport.unpark(thread);
        }
    }

    /**
     * Raises {@code error} inside this strand at its current or next park (gevent's
     * {@code greenlet.throw}). A strand parked in the hub is woken; a greenlet parked by the JDK (in
     * socket I/O, say) is interrupted so that it gets there. If an exception is already pending, this
     * one is queued behind it and raised at the strand's next park after that. Carrier only; the strand
     * must not be the current one.
     *
     * @param error what to raise; a checked exception is raised as is
     */
    public final void raise(Throwable error) {
        if (pendingThrow == null) {
            pendingThrow = error;
        } else {
            // Never drop one: a kill raised while a Timeout is pending (or the reverse) must still arrive.
            if (laterThrows == null) {
                laterThrows = new ArrayDeque<>(2);
            }
            laterThrows.add(error);
        }
        if (parkedInHub) {
            unpark();
        } else if (thread != null && !(this instanceof Carrier.RootStrand)) {
            Thread.State state = thread.getState();
            if (state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING) {
                interruptedForThrow = true;
                thread.interrupt();
            }
        }
    }

    /** {@return the exception waiting to be raised in this strand, or {@code null}} */
    public final Throwable pendingThrow() {
        return pendingThrow;
    }

    /**
     * The pending exception if it was raised while the strand was parked by the JDK (a lock, a socket, a
     * plain {@code Thread.sleep}), so that the strand was interrupted to deliver it: what the strand then
     * throws (an {@code InterruptedException}, a closed socket) is the effect of this raise.
     *
     * @return that exception, or {@code null}
     */
    public final Throwable pendingThrowDeliveredByInterrupt() {
        return interruptedForThrow ? pendingThrow : null;
    }

    /**
     * Withdraws a pending {@link #raise(Throwable)} of exactly {@code error} if it has not been thrown
     * yet (a Timeout leaving the block it guarded).
     *
     * @param error the exception to withdraw
     * @return true if it was pending and is withdrawn
     */
    public final boolean cancelRaise(Throwable error) {
        if (pendingThrow == error) {
            pendingThrow = laterThrows == null ? null : laterThrows.poll();
            if (interruptedForThrow) {
                interruptedForThrow = false;
                Thread.interrupted();
            }
            return true;
        }
        return laterThrows != null && laterThrows.remove(error);
    }

    /** Throws the pending exception, if any, clearing the interrupt made to deliver it. Current strand only. */
    public final void throwPending() {
        Throwable error = pendingThrow;
        if (error != null) {
            pendingThrow = laterThrows == null ? null : laterThrows.poll();
            if (interruptedForThrow) {
                interruptedForThrow = false;
                Thread.interrupted();
            }
            throw Strand.<RuntimeException>sneakyThrow(error);
        }
    }

    /**
     * Throws any throwable without declaring it (used to raise exactly what was raised into a strand).
     *
     * @param error the throwable
     * @param <E> inferred as an unchecked type
     * @return never returns
     * @throws E always
     */
    @SuppressWarnings("unchecked")
    public static <E extends Throwable> E sneakyThrow(Throwable error) throws E {
        throw (E) error;
    }
}
