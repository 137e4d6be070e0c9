package io.gevent4j;

import io.gevent4j.core.Carrier;
import io.gevent4j.core.GreenletExit;
import io.gevent4j.core.Strand;
import io.gevent4j.internal.loop.Deadline;
import io.gevent4j.internal.loop.Loop;
import io.gevent4j.internal.loop.TimerHeap;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * The event loop of one platform thread (gevent's {@code get_hub()}): a ready queue of greenlets and
 * callbacks run in FIFO order, a timer heap, and a thread-safe wake-up queue for other threads.
 *
 * <p>A hub is single-threaded. Its greenlets, timers and callbacks are touched only by its own thread
 * (and by its greenlets, which run on that thread); every method says whether it may be called from
 * elsewhere. The loop runs only while the hub's thread is blocked in a gevent4j call: {@code join},
 * {@code sleep}, a queue get, patched I/O, or {@link #run()} (see {@link Gevent}).
 *
 * <p>The hub never dies of a callback's or a greenlet's exception: it reports it to its error handler
 * ({@link #setErrorHandler}; by default {@code System.err} with the greenlet's name and stack, as
 * gevent's {@code hub.handle_error} does) and keeps running.
 *
 * <p>The hub is the face of an {@code internal.loop.Loop}, which does the turning (timers, the fd
 * poller, the carrier's hooks) and holds what is closed with the hub (the thread pool, the epoll).
 *
 * <h2>Lifecycle (one field, {@code state}; volatile: other threads read it)</h2>
 * <pre>
 *   OPEN --stop() (any thread)-------------> STOP_REQUESTED --run() sees it and returns--> OPEN
 *   OPEN / STOP_REQUESTED --close() (hub thread)--> CLOSING --greenlets dead, loop closed--> CLOSED
 * </pre>
 * A {@code stop()} made before {@code run()} starts is not lost: that {@code run()} returns at once.
 * Once CLOSING, {@code callSoonThreadsafe} callbacks no longer run and {@code submit} fails; once
 * CLOSED, the thread's next {@link #current()} makes a new hub.
 */
public final class Hub implements AutoCloseable {
    private static final int OPEN = 0;
    private static final int STOP_REQUESTED = 1;
    private static final int CLOSING = 2;
    private static final int CLOSED = 3;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Hub.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Loop loop;
    private final Carrier carrier;
    private volatile int state = OPEN;
    private final NotYetRun notYetRun = new NotYetRun();
    private final HubInspector inspector;

    private Hub(Loop loop) {
        this.loop = loop;
        this.carrier = loop.carrier();
        carrier.setOwner(this);
        this.inspector = new HubInspector(this);
        loop.setDescriber(() -> inspector.describe(false));
    }

    private static Hub of(Carrier carrier) {
        if (carrier.owner() instanceof Hub hub) {
            return hub;
        }
        Hub hub = new Hub(Loop.of(carrier));
        hub.loop.announce(); // starts the monitors named by system properties (once per process)
        return hub;
    }

    /**
     * The hub of the calling thread: the hub a greenlet runs on, or the calling platform thread's hub,
     * created on first use.
     *
     * @return the current hub
     */
    public static Hub current() {
        return of(Carrier.current());
    }

    /**
     * The hub of the calling thread if it has one.
     *
     * @return the current hub, or {@code null}
     */
    public static Hub currentOrNull() {
        Carrier carrier = Carrier.currentOrNull();
        return carrier != null && carrier.owner() instanceof Hub hub ? hub : null;
    }

    /**
     * The hub of a strand's carrier.
     *
     * @param strand a strand
     * @return its hub, created if the carrier has none yet
     */
    public static Hub of(Strand strand) {
        return of(strand.carrier());
    }

    /** {@return the platform thread this hub runs on} */
    public Thread thread() {
        return carrier.thread();
    }

    Carrier carrier() {
        return carrier;
    }

    Loop loop() {
        return loop;
    }

    /** {@return true when called on this hub's thread or one of its greenlets (Netty's {@code inEventLoop})} */
    public boolean inHub() {
        return carrier.inCarrier();
    }

    /**
     * Fails at once with a {@link WrongThreadException} unless called on this hub.
     *
     * @param what the object being used, named in the message
     */
    public void checkInHub(Object what) {
        carrier.checkInCarrier(what);
    }

    // ---- scheduling -------------------------------------------------------------------------

    /** A callback timer, with the public face {@link TimerHandle}. */
    private static final class CallbackTimer extends TimerHeap.Timer implements TimerHandle {
        CallbackTimer(long deadline, Runnable callback) {
            super(deadline, null, callback);
        }
    }

    /**
     * Runs {@code callback} on the hub after {@code delay}. Hub thread only.
     *
     * @param delay how long from now; zero or negative means the next turn of the loop
     * @param callback what to run; it must not block
     * @return a handle to cancel it
     */
    public TimerHandle callLater(Duration delay, Runnable callback) {
        Objects.requireNonNull(callback, "callback");
        checkInHub("callLater");
        return loop.timers().add(new CallbackTimer(Deadline.after(delay), callback));
    }

    /**
     * Runs {@code callback} on the hub's next turn, after what is already ready (FIFO). Hub thread only.
     *
     * @param callback what to run; it must not block
     */
    public void callSoon(Runnable callback) {
        Objects.requireNonNull(callback, "callback");
        checkInHub("callSoon");
        carrier.execute(callback);
    }

    /**
     * Runs {@code callback} on the hub's thread, from any thread, waking the hub if it is idle. The hub
     * runs it only while its thread is in the loop (blocked in a gevent4j call or in {@link #run()}),
     * and not once the hub is closing.
     *
     * @param callback what to run; it must not block
     */
    public void callSoonThreadsafe(Runnable callback) {
        Objects.requireNonNull(callback, "callback");
        carrier.execute((Carrier.Callback) () -> {
            if (state < CLOSING) {
                callback.run();
            }
        });
    }

    /**
     * Runs {@code task} in a new greenlet of this hub, from any thread (asyncio's
     * {@code run_coroutine_threadsafe}); the returned future completes with its result.
     *
     * @param task the work, which may block cooperatively
     * @param <T> the result type
     * @return the future result
     */
    public <T> CompletableFuture<T> submit(Callable<T> task) {
        Objects.requireNonNull(task, "task");
        CompletableFuture<T> result = new CompletableFuture<>();
        if (state >= CLOSING) {
            result.completeExceptionally(new IllegalStateException("gevent4j: " + this + " is closed and runs nothing;"
                    + " submit to a live hub (Hub.current() on the thread that should run it)"));
            return result;
        }
        Runnable spawn = () -> {
            Greenlet<T> g = new Greenlet<>(this, task);
            g.linkInternal(done -> {
                if (done.exception() != null) {
                    result.completeExceptionally(done.exception());
                } else {
                    result.complete(done.value());
                }
            });
            g.markObserved();
            g.start();
        };
        if (inHub()) {
            spawn.run();
        } else {
            callSoonThreadsafe(spawn);
        }
        return result;
    }

    // ---- lifecycle --------------------------------------------------------------------------

    /**
     * A new {@link java.util.concurrent.ExecutorService} whose tasks run as greenlets of this hub, in
     * submission order, for servers and libraries that take an executor (see {@code docs/serving.md}).
     * Usable from any thread; the hub's thread must be running its loop. Shutting it down does not close
     * the hub.
     *
     * @return a new executor
     */
    public java.util.concurrent.ExecutorService executor() {
        return GreenletExecutor.on(this);
    }

    /**
     * Runs {@code handler} on this hub, in a new greenlet, each time the process receives the signal
     * {@code name} (gevent's {@code signal_handler}): not on the JVM's signal thread, so it may use the
     * hub's objects and block cooperatively (stop a server gracefully, say). Any thread.
     *
     * @param name the signal, such as {@code "TERM"}, {@code "INT"}, {@code "HUP"} ({@code SIG} prefix optional)
     * @param handler what to run
     * @return a handle whose {@code cancel()} removes the handler
     * @throws IllegalArgumentException if the signal is unknown or reserved by the JVM
     */
    public SignalHandle signal(String name, Runnable handler) {
        return HubSignals.register(this, name, handler);
    }

    /**
     * Runs the loop on this hub's thread until {@link #stop()} is called (from a greenlet, a callback or
     * another thread). Unlike a blocking call it does not raise {@link io.gevent4j.core.LoopExit} when
     * idle: it waits for work from other threads. Must be called on the hub's thread, outside greenlets.
     *
     * @throws InterruptedException if the thread is interrupted
     */
    public void run() throws InterruptedException {
        Strand root = Strand.current();
        if (!root.isRoot() || root.carrier() != carrier) {
            throw new WrongThreadException("gevent4j: Hub.run() must be called on the hub's own thread \""
                    + thread().getName() + "\", outside greenlets; it was called from " + Thread.currentThread());
        }
        try {
            while (state == OPEN) {
                root.park(this, false);
            }
        } finally {
            // back to OPEN on the way out, so that a stop() made before run() started is not lost
            STATE.compareAndSet(this, STOP_REQUESTED, OPEN);
        }
    }

    /** Makes {@link #run()} return. Thread-safe. */
    public void stop() {
        STATE.compareAndSet(this, OPEN, STOP_REQUESTED);
        carrier.root().unpark();
    }

    /**
     * Kills every greenlet of this hub, waits for them to die, cancels its timers, closes what is
     * attached to it (its default thread pool, {@code ThreadPool.ofCurrentHub()}; its epoll and eventfd)
     * and detaches it from its thread: the next
     * {@link #current()} on the thread creates a new hub. Hub thread only, outside greenlets.
     *
     * @throws InterruptedException if interrupted while waiting for the greenlets to die
     */
    @Override
    public void close() throws InterruptedException {
        checkInHub("Hub.close");
        if (state >= CLOSING) {
            return;
        }
        if (Greenlet.current() != null) {
            throw new IllegalStateException("gevent4j: Hub.close() was called from " + Greenlet.current().name()
                    + ", a greenlet of the hub being closed; call it from the hub's thread outside greenlets"
                    + " (after Gevent.run or Hub.run returns), or stop the loop with Hub.stop()");
        }
        // greenlets that have not run yet die at once and never run
        for (Greenlet<?> g = notYetRun.head(); g != null; g = notYetRun.head()) {
            g.killOnHub(new GreenletExit("hub closed"));
        }
        List<Greenlet<?>> live = liveGreenlets();
        if (!Waiting.killAll(live, new GreenletExit("hub closed"), true, Duration.ofSeconds(10))) {
            List<Greenlet<?>> left = liveGreenlets();
            reportError(this, new IllegalStateException("gevent4j: Hub.close(): " + left.size() + " greenlet(s) did"
                    + " not die within 10 s of being killed and are abandoned (do they catch GreenletExit?): " + left));
        }
        // one turn, so that the links and error reports of the greenlets that died run on this hub
        Waiting.yieldNow(Strand.current());
        state = CLOSING;
        loop.close();
        state = CLOSED;
    }

    /** {@return true once {@link #close()} has begun; any thread} */
    public boolean isClosed() {
        return state >= CLOSING;
    }

    // ---- errors -----------------------------------------------------------------------------

    /**
     * Reports an exception the hub caught, with its context, to its error handler (by default
     * {@code System.err}). The hub keeps running. Any thread.
     *
     * @param context what failed (a greenlet, a callback)
     * @param error the exception
     */
    public void reportError(Object context, Throwable error) {
        loop.reportError(context, error);
    }

    /**
     * Replaces where this hub reports the errors it survives (gevent's {@code hub.handle_error}):
     * greenlets that died unobserved, failing callbacks, timers and links. A handler that throws does
     * not lose the report (both are printed). Any thread.
     *
     * @param handler receives the context (what failed) and the error; {@code null} restores the
     *                process-wide handler ({@link #setDefaultErrorHandler})
     */
    public void setErrorHandler(BiConsumer<Object, Throwable> handler) {
        loop.setErrorHandler(handler);
    }

    /**
     * Replaces the process-wide error handler, used by every hub without its own handler and by
     * gevent4j's threads (monitors): gevent's {@code exception_stream} for the whole process.
     *
     * @param handler receives the context and the error; {@code null} restores printing to
     *                {@code System.err}
     */
    public static void setDefaultErrorHandler(BiConsumer<Object, Throwable> handler) {
        io.gevent4j.core.internal.ErrorSink.setDefaultHandler(handler);
    }

    // ---- introspection ----------------------------------------------------------------------

    /**
     * Every hub of the process that is not closed yet, for monitors and dumps. Any thread.
     *
     * @return a snapshot
     */
    public static List<Hub> all() {
        List<Hub> out = new ArrayList<>();
        for (Loop l : Loop.all()) {
            if (l.face() instanceof Hub h) {
                out.add(h);
            }
        }
        return out;
    }

    /** {@return a read-only view of this hub for monitors, dumps and leak checks} */
    public HubInspector inspect() {
        return inspector;
    }

    /** {@return the number of scheduled timers (hub thread only)} */
    public int pendingTimers() {
        return loop.timers().size();
    }

    /** {@return the number of live greenlets on this hub; any thread (a published count)} */
    public int liveGreenletCount() {
        return carrier.liveCount();
    }

    /**
     * The live greenlets of this hub, including those started that have not run yet. Hub thread only.
     *
     * @return a snapshot
     */
    public List<Greenlet<?>> liveGreenlets() {
        checkInHub("liveGreenlets");
        List<Greenlet<?>> out = new ArrayList<>();
        carrier.forEachLive(s -> {
            Greenlet<?> g = Greenlet.of(s);
            if (g != null) {
                out.add(g);
            }
        });
        notYetRun.addTo(out);
        return out;
    }

    /** {@return the greenlets started (or start-later) that have not run yet (hub thread only)} */
    NotYetRun notYetRun() {
        return notYetRun;
    }

    /**
     * Reports a greenlet's failure on the hub's next turn unless someone observes it first (a joiner
     * woken by its death calling {@code get()}); at JVM exit if the hub never turns again.
     */
    void reportLater(Greenlet<?> g) {
        UnobservedFailures.add(g);
        carrier.execute(() -> {
            if (UnobservedFailures.remove(g) && !g.observed()) {
                reportError(g, g.failure());
            }
        });
    }

    /**
     * Describes this hub: its greenlets, what each waits on and its stack, and its timers. From another
     * thread the description is made from what the hub publishes, without waiting for it (see
     * {@link HubInspector#formatRunInfo()}).
     *
     * @return a multi-line description
     */
    public String formatRunInfo() {
        return inspector.formatRunInfo();
    }

    @Override
    public String toString() {
        return "Hub[" + thread().getName() + "]";
    }
}
