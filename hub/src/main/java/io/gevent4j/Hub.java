package io.gevent4j;

import io.gevent4j.core.Carrier;
import io.gevent4j.core.Strand;
import io.gevent4j.internal.HubPoller;
import io.gevent4j.internal.TimerHeap;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The event loop of one platform thread (gevent's {@code get_hub()}): a ready queue of greenlets and
 * callbacks run in FIFO order, a timer heap, and a thread-safe wake-up queue for other threads.
 *
 * <p>A hub is single-threaded. Its greenlets, timers and callbacks are touched only by its own thread
 * (and by its greenlets, which run on that thread); every method says whether it may be called from
 * elsewhere. The loop runs only while the hub's thread is blocked in a gevent4j call: {@code join},
 * {@code sleep}, a queue get, patched I/O, or {@link #run()} (see {@link Gevent}).
 *
 * <p>The hub never dies of a callback's or a greenlet's exception: it reports it on {@code System.err}
 * with the greenlet's name and stack, and keeps running.
 */
public final class Hub implements AutoCloseable {
    private static final Set<Hub> HUBS = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
    /**
     * Greenlets that died of an exception whose report is still deferred (waiting to see whether a
     * joiner calls {@code get()}); printed at JVM exit if still unobserved, so that a failure is never
     * lost when the program ends right after a plain {@code join}.
     */
    private static final Set<Greenlet<?>> UNREPORTED = ConcurrentHashMap.newKeySet();

    private static final java.lang.invoke.VarHandle TURNS;

    static {
        try {
            TURNS = java.lang.invoke.MethodHandles.lookup().findVarHandle(Hub.class, "turns", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
        Thread hook = new Thread(Hub::reportUnreportedAtExit, "gevent4j-unreported-failures");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    private final Carrier carrier;
    private final TimerHeap timers = new TimerHeap();
    private volatile boolean stopRequested;
    private boolean closed;
    private long turns;
    private io.gevent4j.threadpool.ThreadPool threadpool;
    /** The hub's own epoll, created when a greenlet first waits for socket readiness through it. */
    private volatile HubPoller poller;
    /** Head of the intrusive list of greenlets started (or start-later) that have not run yet. */
    private Greenlet<?> scheduledHead;
    private int scheduledCount;

    private Hub(Carrier carrier) {
        io.gevent4j.monitor.BlockingDetector.startFromSystemProperty();
        io.gevent4j.monitor.RunInfoDump.installFromSystemProperty();
        this.carrier = carrier;
        carrier.attach(this, new Carrier.Hooks() {
            @Override
            public long runDue() {
                turns++;
                HubPoller p = poller;
                if (p != null && p.waiting() > 0) {
                    p.poll(0);
                }
                if (timers.size() == 0) {
                    return -1;
                }
                return timers.fireDue(System.nanoTime(), (timer, error) -> reportError("timer callback " + timer, error));
            }

            @Override
            public void idle(Thread carrierThread, long nanos) {
                HubPoller p = poller;
                if (p == null) {
                    Carrier.Hooks.super.idle(carrierThread, nanos);
                } else {
                    p.poll(nanos < 0 ? -1 : (int) Math.min(Integer.MAX_VALUE, (nanos + 999_999) / 1_000_000));
                }
            }

            @Override
            public void wakeup(Thread carrierThread) {
                HubPoller p = poller;
                if (p != null) {
                    p.wakeup();
                }
                LockSupport.unpark(carrierThread);
            }

            @Override
            public String describeState() {
                return Hub.this.describeState();
            }

            @Override
            public void reportTaskError(Throwable error) {
                reportError("hub callback", error);
            }

            @Override
            public void loopExit(io.gevent4j.core.LoopExit exit) {
                if (io.gevent4j.internal.jfr.Jfr.active()) {
                    io.gevent4j.internal.jfr.LoopExitEvent.emit(Hub.this, exit);
                }
            }
        });
        HUBS.add(this);
    }

    /**
     * The hub of the calling thread: the hub a greenlet runs on, or the calling platform thread's hub,
     * created on first use.
     *
     * @return the current hub
     */
    public static Hub current() {
        Carrier carrier = Carrier.current();
        return carrier.owner() instanceof Hub hub ? hub : new Hub(carrier);
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
        Carrier carrier = strand.carrier();
        return carrier.owner() instanceof Hub hub ? hub : new Hub(carrier);
    }

    /** {@return the platform thread this hub runs on} */
    public Thread thread() {
        return carrier.thread();
    }

    /**
     * The carrier under this hub, for the project's own extensions (thread pool, agent).
     *
     * @return the carrier
     */
    public Carrier carrier() {
        return carrier;
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

    /**
     * Runs {@code callback} on the hub after {@code delay}. Hub thread only.
     *
     * @param delay how long from now; zero or negative means the next turn of the loop
     * @param callback what to run; it must not block
     * @return a handle to cancel it
     */
    public TimerHandle callLater(Duration delay, Runnable callback) {
        return callLaterNanos(delay.toNanos(), callback);
    }

    TimerHeap.Timer callLaterNanos(long delayNanos, Runnable callback) {
        Objects.requireNonNull(callback, "callback");
        checkInHub("callLater");
        return timers.runAt(System.nanoTime() + Math.max(0, delayNanos), callback);
    }

    TimerHeap.Timer wakeLater(long delayNanos, Strand strand) {
        return timers.wakeAt(System.nanoTime() + Math.max(0, delayNanos), strand);
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
     * runs it only while its thread is in the loop (blocked in a gevent4j call or in {@link #run()}).
     *
     * @param callback what to run; it must not block
     */
    public void callSoonThreadsafe(Runnable callback) {
        Objects.requireNonNull(callback, "callback");
        carrier.execute(() -> {
            if (!closed) {
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
        if (closed) {
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
            while (!stopRequested) {
                root.park(this, false);
            }
        } finally {
            // reset on the way out, so that a stop() made before run() started is not lost
            stopRequested = false;
        }
    }

    /** Makes {@link #run()} return. Thread-safe. */
    public void stop() {
        stopRequested = true;
        carrier.root().unpark();
    }

    /**
     * Kills every greenlet of this hub, waits for them to die, cancels its timers and detaches it from
     * its thread: the next {@link #current()} on the thread creates a new hub. Hub thread only, outside
     * greenlets.
     *
     * @throws InterruptedException if interrupted while waiting for the greenlets to die
     */
    @Override
    public void close() throws InterruptedException {
        checkInHub("Hub.close");
        if (closed) {
            return;
        }
        if (Greenlet.current() != null) {
            throw new IllegalStateException("gevent4j: Hub.close() was called from " + Greenlet.current().name()
                    + ", a greenlet of the hub being closed; call it from the hub's thread outside greenlets"
                    + " (after Gevent.run or Hub.run returns), or stop the loop with Hub.stop()");
        }
        // greenlets that have not run yet die at once and never run
        while (scheduledHead != null) {
            scheduledHead.killOnHub(new io.gevent4j.core.GreenletExit("hub closed"));
        }
        List<Greenlet<?>> live = liveGreenlets();
        if (!Gevent.killAll(live, new io.gevent4j.core.GreenletExit("hub closed"), true, Duration.ofSeconds(10))) {
            List<Greenlet<?>> left = liveGreenlets();
            reportError(this, new IllegalStateException("gevent4j: Hub.close(): " + left.size() + " greenlet(s) did"
                    + " not die within 10 s of being killed and are abandoned (do they catch GreenletExit?): " + left));
        }
        // one turn, so that the links and error reports of the greenlets that died run on this hub
        Gevent.sleep(0);
        timers.clear();
        if (threadpool != null) {
            threadpool.close();
        }
        closed = true;
        carrier.detach(this);
        HUBS.remove(this);
    }

    /**
     * The hub's default thread pool (10 threads, created on first use), for real blocking calls and
     * CPU work; the patch agent offloads file I/O and DNS to it. Hub thread only.
     *
     * @return the thread pool
     */
    public io.gevent4j.threadpool.ThreadPool threadpool() {
        checkInHub("threadpool");
        if (threadpool == null) {
            threadpool = new io.gevent4j.threadpool.ThreadPool(10);
        }
        return threadpool;
    }

    /**
     * The hub's own epoll poller, created on first use (the agent routes greenlets' socket waits here).
     * Hub thread only.
     *
     * @return the poller
     * @throws java.io.IOException if it cannot be created (see {@link HubPoller#available()})
     */
    public HubPoller poller() throws java.io.IOException {
        HubPoller p = poller;
        if (p == null) {
            checkInHub("poller");
            p = new HubPoller(carrier);
            poller = p;
        }
        return p;
    }

    /** {@return the poller if this hub has created one, else {@code null}; any thread} */
    public HubPoller pollerOrNull() {
        return poller;
    }

    /**
     * Every hub of the process that is not closed yet, for monitors and dumps. Any thread.
     *
     * @return a snapshot
     */
    public static List<Hub> all() {
        return allHubs();
    }

    static List<Hub> allHubs() {
        synchronized (HUBS) {
            return new ArrayList<>(HUBS);
        }
    }

    /** {@return true after {@link #close()}} */
    public boolean isClosed() {
        return closed;
    }

    /** {@return the number of scheduled timers (hub thread only)} */
    public int pendingTimers() {
        return timers.size();
    }

    /**
     * The pending timers of this hub, for leak checks and dumps. Hub thread only.
     *
     * @return a snapshot, in no particular order
     */
    public List<TimerHandle> pendingTimersSnapshot() {
        checkInHub("pendingTimersSnapshot");
        return List.of(timers.snapshot());
    }

    /** {@return the number of live greenlets on this hub (hub thread only)} */
    public int liveGreenletCount() {
        return carrier.liveCount();
    }

    /** {@return how many times the loop has turned; a blocking detector watches it (thread-safe, racy)} */
    public long turns() {
        return (long) TURNS.getOpaque(this);
    }

    /**
     * The live greenlets of this hub. Hub thread only.
     *
     * @return a snapshot
     */
    public List<Greenlet<?>> liveGreenlets() {
        checkInHub("liveGreenlets");
        List<Greenlet<?>> out = new ArrayList<>();
        carrier.forEachLive(s -> {
            if (s instanceof Greenlet<?> g) {
                out.add(g);
            }
        });
        for (Greenlet<?> g = scheduledHead; g != null; g = g.scheduledNext) {
            out.add(g);
        }
        return out;
    }

    /** Notes a greenlet that was started (or will start later) and has not run yet. Hub thread only. */
    void addScheduled(Greenlet<?> g) {
        if (!g.scheduled) {
            g.scheduled = true;
            g.scheduledNext = scheduledHead;
            if (scheduledHead != null) {
                scheduledHead.scheduledPrev = g;
            }
            scheduledHead = g;
            scheduledCount++;
        }
    }

    /** Forgets a greenlet noted by {@link #addScheduled}: it runs now, or died first. Hub thread only. */
    void removeScheduled(Greenlet<?> g) {
        if (g.scheduled) {
            g.scheduled = false;
            if (g.scheduledPrev != null) {
                g.scheduledPrev.scheduledNext = g.scheduledNext;
            } else {
                scheduledHead = g.scheduledNext;
            }
            if (g.scheduledNext != null) {
                g.scheduledNext.scheduledPrev = g.scheduledPrev;
            }
            g.scheduledPrev = null;
            g.scheduledNext = null;
            scheduledCount--;
        }
    }

    /**
     * Reports a greenlet's failure on the hub's next turn unless someone observes it first (a joiner
     * woken by its death calling {@code get()}); at JVM exit if the hub never turns again.
     */
    void reportLater(Greenlet<?> g) {
        UNREPORTED.add(g);
        carrier.execute(() -> {
            if (UNREPORTED.remove(g) && !g.observed()) {
                reportError(g, g.failure());
            }
        });
    }

    private static void reportUnreportedAtExit() {
        for (Greenlet<?> g : UNREPORTED) {
            if (UNREPORTED.remove(g) && !g.observed()) {
                g.hub().reportError(g + " (reported at exit)", g.failure());
            }
        }
    }

    /**
     * Reports an exception the hub caught, with its context, on {@code System.err}. The hub keeps running.
     *
     * @param context what failed (a greenlet, a callback)
     * @param error the exception
     */
    public void reportError(Object context, Throwable error) {
        PrintStream err = System.err;
        synchronized (err) {
            err.println("gevent4j: " + context + " failed with " + error);
            error.printStackTrace(err);
        }
    }

    /**
     * Describes this hub: its greenlets, what each waits on and its stack, and its timers. On another
     * thread the description is made by the hub's own thread if it answers within a second.
     *
     * @return a multi-line description
     */
    public String formatRunInfo() {
        if (inHub()) {
            return describe(true);
        }
        CompletableFuture<String> answer = new CompletableFuture<>();
        callSoonThreadsafe(() -> answer.complete(describe(true)));
        try {
            return answer.get(1, TimeUnit.SECONDS);
        } catch (Exception e) {
            return "Hub of thread \"" + thread().getName() + "\": its loop did not answer within 1 s (" + e
                    + "); it is busy or blocked, or its thread is not in the loop. Carrier stack:\n"
                    + stackOf(thread());
        }
    }

    String describeState() {
        return describe(false);
    }

    private String describe(boolean withStacks) {
        StringBuilder out = new StringBuilder();
        out.append("Hub of thread \"").append(thread().getName()).append("\": ")
                .append(carrier.liveCount()).append(" live greenlet(s), ")
                .append(scheduledCount).append(" not run yet, ")
                .append(carrier.parkedInHubCount()).append(" waiting in the hub, ")
                .append(carrier.readyCount()).append(" ready, ")
                .append(timers.size()).append(" timer(s), ")
                .append(carrier.externalCount()).append(" outstanding thread-pool/external job(s)\n");
        Object rootBlocker = carrier.root().blocker();
        if (rootBlocker != null) {
            out.append("  the hub's own thread \"").append(thread().getName()).append("\" waits on ")
                    .append(rootBlocker).append('\n');
        }
        for (Greenlet<?> g = scheduledHead; g != null; g = g.scheduledNext) {
            out.append("  ").append(g.name()).append(" has not run yet: ").append(g).append('\n');
        }
        carrier.forEachLive(s -> {
            out.append("  ").append(s.name());
            Object blocker = s.blocker();
            if (blocker != null) {
                out.append(" waits on ").append(blocker);
            } else if (s.thread() != null) {
                out.append(" is ").append(s.thread().getState()).append(" outside the hub (I/O or a JDK lock)");
            }
            if (s instanceof Greenlet<?> g) {
                out.append(", age ").append((System.nanoTime() - g.spawnedAt()) / 1_000_000).append(" ms");
            }
            out.append('\n');
            if (withStacks && s.thread() != null) {
                out.append(stackOf(s.thread()));
            }
        });
        if (withStacks) {
            for (TimerHeap.Timer t : timers.snapshot()) {
                out.append("  ").append(t).append('\n');
            }
        }
        return out.toString();
    }

    private static String stackOf(Thread thread) {
        StringBuilder out = new StringBuilder();
        for (StackTraceElement e : thread.getStackTrace()) {
            out.append("      at ").append(e).append('\n');
        }
        return out.toString();
    }

    /**
     * Describes every hub of the process (gevent's {@code gevent.util.format_run_info}).
     *
     * @return one block per hub
     */
    public static String formatRunInfoAll() {
        List<Hub> hubs = allHubs();
        StringBuilder out = new StringBuilder();
        for (Hub hub : hubs) {
            out.append(hub.formatRunInfo());
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return "Hub[" + thread().getName() + "]";
    }
}
