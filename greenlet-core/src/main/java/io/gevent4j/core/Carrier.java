package io.gevent4j.core;

import io.gevent4j.core.internal.ErrorSink;
import io.gevent4j.core.internal.JdkSupport;

import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The single-carrier scheduler: an {@link Executor} whose tasks (greenlet continuations and hub
 * callbacks) all run on one platform thread, the carrier. Each platform thread that uses gevent4j has
 * exactly one carrier, created lazily by {@link #current()}.
 *
 * <h2>Queues</h2>
 * <ul>
 *   <li>Submissions made on the carrier (by the carrier thread or by one of its greenlets) go to a
 *       plain {@link ArrayDeque}, the ready queue, with no locking at all. Those made while the
 *       {@link Hooks} run what is due (a timer or ready I/O waking a greenlet) go to a second plain
 *       deque, the woken queue, which each turn runs first.</li>
 *   <li>Submissions from any other thread (a JDK poller thread unparking a greenlet after a socket
 *       became ready, the JDK's timer threads, {@code callSoonThreadsafe}) go to a multi-producer
 *       queue, and wake the carrier if it is idle.</li>
 * </ul>
 *
 * <h2>The loop</h2>
 * The carrier thread runs the loop only while it is blocked in a gevent4j call (its {@linkplain
 * #root() root strand} is parked), as gevent's main greenlet switches into the hub. One turn:
 * <ol>
 *   <li>move the remote submissions to the ready queue;</li>
 *   <li>run the tasks that were queued at the start of the turn, the woken queue's first, each
 *       queue in FIFO order (what they make ready runs next turn); stop early if the root strand was
 *       woken or once the turn has run tasks for {@link #TURN_BUDGET_NANOS} (the clock is read every
 *       {@value #CLOCK_CHECK_EVERY} tasks): what is left runs next turn, in the same order;</li>
 *   <li>let the {@link Hooks} run what is due (the hub's timers and ready I/O); what that wakes is
 *       appended to the woken queue;</li>
 *   <li>if nothing is ready: if no timer, no greenlet parked outside the hub (socket I/O, JDK locks),
 *       no {@linkplain #retainExternal() external work} and no remote submission can wake anything,
 *       raise {@link LoopExit}; otherwise park the carrier thread until the next timer or a remote
 *       submission.</li>
 * </ol>
 * A task that throws is reported through {@link Hooks#reportTaskError(Throwable)}; the loop goes on.
 *
 * <p>The budget and the woken queue are gevent's fairness rule (its hub runs callbacks for at most its
 * switch interval, 5 ms, then runs libev's expired timers, each of which switches to its greenlet at
 * once): a greenlet woken by a timer runs within about one budget of its deadline even behind a
 * backlog of thousands of freshly spawned greenlets. The ready queue itself stays FIFO, so a
 * greenlet's {@code sleep(0)} still lets every other ready greenlet run once before it resumes.
 */
public final class Carrier implements Executor {
    /** The root strand of a platform thread that has a carrier. Greenlets find theirs in {@link #strandOf}. */
    private static final ThreadLocal<Strand> ROOT = new ThreadLocal<>();
    /** How long one turn runs queued tasks before due timers get their turn (gevent's switch interval). */
    private static final long TURN_BUDGET_NANOS = 5_000_000L;
    /** Tasks run between two reads of the clock against {@link #TURN_BUDGET_NANOS}. */
    private static final int CLOCK_CHECK_EVERY = 64;
    private static final java.lang.invoke.VarHandle RUNNING_TASK;
    private static final java.lang.invoke.VarHandle QUEUED;
    private static final java.lang.invoke.VarHandle LIVE;
    private static final java.lang.invoke.VarHandle PARKED_IN_HUB;
    private static final java.lang.invoke.VarHandle TURNS;
    static final java.lang.invoke.VarHandle LIVE_HEAD;

    static {
        try {
            java.lang.invoke.MethodHandles.Lookup lookup = java.lang.invoke.MethodHandles.lookup();
            RUNNING_TASK = lookup.findVarHandle(Carrier.class, "runningTask", boolean.class);
            QUEUED = lookup.findVarHandle(Carrier.class, "queued", boolean.class);
            LIVE = lookup.findVarHandle(Carrier.class, "live", int.class);
            PARKED_IN_HUB = lookup.findVarHandle(Carrier.class, "parkedInHub", int.class);
            TURNS = lookup.findVarHandle(Carrier.class, "turns", long.class);
            LIVE_HEAD = lookup.findVarHandle(Carrier.class, "liveHead", Strand.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * The strand running on the current thread: a greenlet's own strand, or the root strand of the
     * current platform thread's carrier; {@code null} if there is none.
     *
     * <p>A greenlet's virtual thread carries its strand as its uncaught-exception handler: reading a
     * field of the thread is cheaper than a {@code ThreadLocal} lookup, and saves the per-thread
     * {@code ThreadLocalMap} (about 150 bytes and an allocation per greenlet). The strand is a real
     * handler too: it reports an exception that escapes the greenlet's body.
     */
    static Strand currentStrand() {
        Thread thread = Thread.currentThread();
        if (thread.isVirtual()) {
            return thread.getUncaughtExceptionHandler() instanceof Strand strand ? strand : null;
        }
        return ROOT.get();
    }

    /**
     * What the owner of a carrier (the hub) plugs into its loop. All methods are called on the carrier
     * thread.
     */
    public interface Hooks {
        /**
         * Runs what is due now (timers).
         *
         * @return nanoseconds until the next scheduled event, or -1 if nothing is scheduled
         */
        long runDue();

        /**
         * Describes the carrier's state for a {@link LoopExit} message: each waiting strand and what
         * it waits on.
         *
         * @return a multi-line description
         */
        String describeState();

        /**
         * Reports an exception thrown by a task (a callback). The loop continues afterwards.
         *
         * @param error what the task threw
         */
        void reportTaskError(Throwable error);

        /**
         * Told just before {@link LoopExit} is raised on the carrier thread (for monitoring: a JFR event).
         *
         * @param exit the exception about to be thrown
         */
        default void loopExit(LoopExit exit) {
        }

        /**
         * Blocks the idle carrier thread until {@link #wakeup(Thread)} or {@code nanos} pass. The
         * default parks the thread; a hub with its own I/O poller waits in {@code epoll_wait}.
         *
         * @param carrier the carrier thread (the caller)
         * @param nanos the longest wait, or -1 for no limit
         */
        default void idle(Thread carrier, long nanos) {
            if (nanos < 0) {
                LockSupport.park(this);
            } else if (nanos > 0) {
                LockSupport.parkNanos(this, nanos);
            }
        }

        /**
         * Wakes a carrier thread blocked in {@link #idle}. Called from any thread.
         *
         * @param carrier the carrier thread
         */
        default void wakeup(Thread carrier) {
            LockSupport.unpark(carrier);
        }
    }

    /**
     * A task that is a plain callback (it runs and returns, and never parks), as opposed to a
     * greenlet's continuation. A greenlet pinned to the carrier thread while it waits may run these
     * meanwhile ({@link #runRemoteCallbacks()}), so that a kill or a stop from another thread reaches it.
     */
    public interface Callback extends Runnable {
    }

    private static final Hooks NO_HOOKS = new Hooks() {
        @Override
        public long runDue() {
            return -1;
        }

        @Override
        public String describeState() {
            return "";
        }

        @Override
        public void reportTaskError(Throwable error) {
            ErrorSink.report("a task on " + Thread.currentThread().getName() + "'s carrier", error);
        }
    };

    private final Thread thread;
    private final RootStrand root;
    private final ArrayDeque<Runnable> ready = new ArrayDeque<>(256);
    /** What {@link Hooks#runDue()} made ready (timer and I/O wake-ups); run ahead of {@link #ready}. */
    private final ArrayDeque<Runnable> woken = new ArrayDeque<>(64);
    /** True while {@link Hooks#runDue()} runs: submissions on the carrier go to {@link #woken}. */
    private boolean runningDue;
    private final ConcurrentLinkedQueue<Runnable> remote = new ConcurrentLinkedQueue<>();
    private final AtomicInteger external = new AtomicInteger();
    private final Thread.Builder.OfVirtual builder;
    /**
     * The JDK thread container its greenlets start in (see {@code CarrierThreadContainer}), or null for
     * the JDK's root container; it lists {@link #forEachLive the live strands}' threads for thread dumps.
     */
    private final Object threadContainer;
    private volatile boolean idle;
    private volatile Hooks hooks = NO_HOOKS;
    private Object owner;
    /**
     * The state below that other threads (monitors, dumps) read is published with opaque or
     * release/acquire accesses, which cost a plain store on the carrier: a monitor reads only these,
     * never the queues or a strand's plain fields.
     */
    /** True while a task runs on the carrier thread itself (a callback; a greenlet runs on its own thread). */
    private boolean runningTask;
    /** True when the ready or woken queue may hold a task (published for monitors; set on submit, cleared when both are seen empty). */
    private boolean queued;
    /** How many turns the loop has made (published for monitors: a blocked hub stops turning). */
    private long turns;
    /** The next submission from the carrier goes to the front of the ready queue (a direct switch). */
    private boolean submitToFront;
    /** Greenlets begun and not yet ended on this carrier (written by the carrier, opaque for other threads). */
    int live;
    /** Greenlets parked in {@link Strand#park(Object)}, i.e. waiting for something the hub will do (as {@link #live}). */
    int parkedInHub;
    /** The main raw greenlet of this carrier, created on first use. */
    RawGreenlet mainGreenlet;
    /** Head of the intrusive list of live strands, for dumps; written with release, read by other threads with acquire. */
    Strand liveHead;

    private Carrier(Thread thread) {
        String unsupported = JdkSupport.unsupportedReason();
        if (unsupported != null) {
            throw new UnsupportedRuntimeException(unsupported, JdkSupport.unsupportedCause());
        }
        JdkSupport.startJdkPollers();
        this.thread = thread;
        this.builder = JdkSupport.virtualThreadBuilder(this);
        this.threadContainer = JdkSupport.newThreadContainer("gevent4j greenlets of " + thread.getName(), this::liveThreads);
        this.root = new RootStrand(this);
        ROOT.set(root);
    }

    /**
     * The carrier of the calling thread: the carrier a greenlet runs on, or the calling platform
     * thread's own carrier, created on first use.
     *
     * @return the current carrier
     * @throws IllegalStateException on a virtual thread that is not a greenlet
     * @throws UnsupportedRuntimeException if this JVM cannot host greenlets
     */
    public static Carrier current() {
        Strand strand = currentStrand();
        if (strand != null) {
            return strand.carrier;
        }
        Thread thread = Thread.currentThread();
        if (thread.isVirtual()) {
            throw new IllegalStateException("gevent4j: " + thread + " is a virtual thread that is not a greenlet, and"
                    + " a hub needs a platform thread of its own; call this from a platform thread or from a greenlet");
        }
        return new Carrier(thread);
    }

    /**
     * The carrier of the calling thread if it has one, without creating it.
     *
     * @return the current carrier, or {@code null}
     */
    public static Carrier currentOrNull() {
        Strand strand = currentStrand();
        return strand == null ? null : strand.carrier;
    }

    /** {@return the platform thread this carrier runs on} */
    public Thread thread() {
        return thread;
    }

    /** {@return the strand of the carrier thread itself (gevent's main greenlet)} */
    public Strand root() {
        return root;
    }

    /**
     * Whether the caller runs on this carrier: the carrier thread itself or one of its greenlets.
     * Netty's {@code inEventLoop()}.
     *
     * @return true on this carrier
     */
    public boolean inCarrier() {
        Strand strand = currentStrand();
        return strand != null && strand.carrier == this;
    }

    /**
     * Fails at once with a {@link WrongThreadException} unless the caller runs on this carrier.
     *
     * @param what the object being used, for the message
     */
    public void checkInCarrier(Object what) {
        if (!inCarrier()) {
            throw new WrongThreadException("gevent4j: " + what + " belongs to the hub of thread \"" + thread.getName()
                    + "\" and was used from " + Thread.currentThread() + "; use it only from that thread and its"
                    + " greenlets, or hand the work over with Hub.callSoonThreadsafe / Hub.submit");
        }
    }

    /**
     * Installs the hooks of this carrier's loop; done once, by the loop.
     *
     * @param hooks the hooks
     * @throws IllegalStateException if hooks are installed already
     */
    public void attach(Hooks hooks) {
        if (this.hooks != NO_HOOKS) {
            throw new IllegalStateException("carrier of " + thread + " already has hooks: " + this.hooks);
        }
        this.hooks = java.util.Objects.requireNonNull(hooks, "hooks");
    }

    /**
     * Sets the object that faces the user for this carrier (the hub); done once, by it.
     *
     * @param owner the owning object, returned by {@link #owner()}
     * @throws IllegalStateException if it has an owner already
     */
    public void setOwner(Object owner) {
        if (this.owner != null) {
            throw new IllegalStateException("carrier of " + thread + " already has an owner: " + this.owner);
        }
        this.owner = owner;
    }

    /**
     * Removes the hooks and the owner, so that a new loop and owner can be attached.
     *
     * @param hooks the current hooks
     */
    public void detach(Hooks hooks) {
        if (this.hooks == hooks) {
            this.owner = null;
            this.hooks = NO_HOOKS;
        }
    }

    /** {@return the object set with {@link #setOwner}, or {@code null}} */
    public Object owner() {
        return owner;
    }

    /** {@return the hooks installed with {@link #attach}, or {@code null} if none} */
    public Hooks hooks() {
        Hooks h = hooks;
        return h == NO_HOOKS ? null : h;
    }

    /**
     * Submits a task. On the carrier the task goes to the ready queue with no locking; from another
     * thread it goes to the remote queue and wakes the carrier if it is idle. The JDK calls this to
     * resume a greenlet.
     *
     * @param task the task
     */
    @Override
    public void execute(Runnable task) {
        if (onThisCarrier()) {
            ArrayDeque<Runnable> queue = runningDue ? woken : ready;
            QUEUED.setOpaque(this, true);
            if (submitToFront) {
                submitToFront = false;
                queue.addFirst(task);
            } else {
                queue.addLast(task);
            }
        } else {
            remote.offer(task);
            if (idle) {
                hooks.wakeup(thread);
            }
        }
    }

    /**
     * {@link #inCarrier()} with the carrier thread checked first: the JDK resubmits a greenlet that
     * yielded or parked from the carrier thread itself, so the common case costs no thread-local lookup.
     */
    private boolean onThisCarrier() {
        Thread current = Thread.currentThread();
        if (current == thread) {
            return true;
        }
        return current.isVirtual() && current.getUncaughtExceptionHandler() instanceof Strand strand && strand.carrier == this;
    }

    /**
     * Whether a greenlet's thread may be made later, when the carrier runs it, instead of now by the
     * caller, with the same result: a new thread copies its creator's inheritable thread-local values
     * and context class loader, so this is true only if the caller has no inheritable thread-local
     * values and the carrier thread's context class loader. Carrier only.
     *
     * @return true if the thread may be made later on the carrier thread
     */
    public boolean canDeferThreadCreation() {
        Thread current = Thread.currentThread();
        if (current != thread && JdkSupport.hasInheritableThreadLocals(thread)) {
            return false; // made on the carrier thread it would inherit the carrier thread's values
        }
        return !JdkSupport.hasInheritableThreadLocals(current)
                && current.getContextClassLoader() == thread.getContextClassLoader();
    }

    /** The next submission made on the carrier goes to the front of the ready queue (for a direct switch). */
    void submitNextToFront() {
        submitToFront = true;
    }

    /**
     * Wakes the carrier if it is idle, so that it runs a turn of its loop.
     */
    public void wakeup() {
        if (idle) {
            hooks.wakeup(thread);
        }
    }

    /**
     * Notes that work done elsewhere (a thread pool, another thread) will later submit something here,
     * so that waiting for it is not reported as {@link LoopExit}. Thread-safe. Pair with
     * {@link #releaseExternal()}.
     */
    public void retainExternal() {
        external.incrementAndGet();
    }

    /** Undoes one {@link #retainExternal()}. Thread-safe. */
    public void releaseExternal() {
        external.decrementAndGet();
        wakeup();
    }

    /**
     * Whether a task (a greenlet's turn or a hub callback) is running on the carrier thread right now.
     * A monitor on another thread reads it racily (opaque), to tell a hub that is busy from one that is
     * idle or whose thread is outside the loop.
     *
     * @return true while a task runs
     */
    public boolean isRunningTask() {
        return (boolean) RUNNING_TASK.getOpaque(this);
    }

    /** {@return true while the carrier thread waits for work in {@link Hooks#idle}; any thread} */
    public boolean isIdle() {
        return idle;
    }

    /**
     * Whether tasks wait to be run: ready ones, or submissions from other threads. Any thread: it reads
     * only published state (the answer may be stale by the time it returns).
     *
     * @return true if work waits for the loop
     */
    public boolean hasWaitingWork() {
        return !remote.isEmpty() || (boolean) QUEUED.getOpaque(this);
    }

    /** {@return how many turns the loop has made; any thread (a monitor watches it move)} */
    public long turns() {
        return (long) TURNS.getOpaque(this);
    }

    /** {@return the number of tasks waiting to run: the ready and woken queues (carrier only)} */
    public int readyCount() {
        checkInCarrier("Carrier.readyCount");
        return ready.size() + woken.size();
    }

    /** {@return greenlets begun and not ended on this carrier; any thread (published, may be stale)} */
    public int liveCount() {
        return (int) LIVE.getOpaque(this);
    }

    /** {@return greenlets parked in a hub wait; any thread (published, may be stale)} */
    public int parkedInHubCount() {
        return (int) PARKED_IN_HUB.getOpaque(this);
    }

    /** {@return outstanding external work; any thread} */
    public int externalCount() {
        return external.get();
    }

    /**
     * Calls {@code action} for each live strand, for dumps and monitors. Any thread: the list is
     * published with release/acquire, so a strand seen is fully built; a strand that begins or ends
     * meanwhile may be missed, and what a strand reports (its blocker) is as published by its carrier.
     *
     * @param action receives each strand
     */
    public void forEachLive(java.util.function.Consumer<Strand> action) {
        for (Strand s = (Strand) LIVE_HEAD.getAcquire(this); s != null; s = s.nextLiveAcquire()) {
            action.accept(s);
        }
    }

    /** {@return the threads of the live greenlet strands, for the thread container (any thread)} */
    private java.util.stream.Stream<Thread> liveThreads() {
        java.util.stream.Stream.Builder<Thread> threads = java.util.stream.Stream.builder();
        forEachLive(s -> {
            Thread t = s.thread();
            if (t != null && t.isVirtual()) {
                threads.add(t);
            }
        });
        return threads.build();
    }

    /** Counts a strand that begins (carrier only). */
    void liveBegun(Strand s) {
        LIVE.setOpaque(this, live + 1);
        Strand head = liveHead;
        s.setNextLive(head);
        if (head != null) {
            head.prevLive = s;
        }
        LIVE_HEAD.setRelease(this, s);
    }

    /** Forgets a strand that ended (carrier only). */
    void liveEnded(Strand s) {
        LIVE.setOpaque(this, live - 1);
        Strand next = s.nextLiveAcquire();
        if (s.prevLive != null) {
            s.prevLive.setNextLive(next);
        } else {
            LIVE_HEAD.setRelease(this, next);
        }
        if (next != null) {
            next.prevLive = s.prevLive;
        }
        s.prevLive = null;
        s.setNextLive(null);
    }

    /** Counts a greenlet entering (+1) or leaving (-1) a park in the hub (carrier only). */
    void parkedInHub(int delta) {
        PARKED_IN_HUB.setOpaque(this, parkedInHub + delta);
    }

    /** Creates an unstarted virtual thread of {@code strand}, scheduled on this carrier. */
    Thread newThread(Strand strand, Runnable body) {
        Thread thread = builder.unstarted(body);
        thread.setUncaughtExceptionHandler(strand);
        return thread;
    }

    /** Starts a thread made by {@link #newThread} in this carrier's thread container. */
    void start(Thread thread) {
        JdkSupport.start(thread, threadContainer);
    }

    /**
     * Parks the root strand: runs the loop until the root is unparked (or the thread is interrupted).
     *
     * @param mayExit whether a loop with nothing left to wake the root raises {@link LoopExit};
     *                false for "run until stopped from elsewhere" ({@code Hub.run})
     */
    void parkRoot(boolean mayExit) {
        if (runningTask) {
            throw new IllegalStateException("gevent4j: a blocking call was made from a hub callback on thread \""
                    + thread.getName() + "\"; callbacks run on the loop itself and must not block. Spawn a greenlet"
                    + " for blocking work (Gevent.spawn)");
        }
        while (!root.permit) {
            if (thread.isInterrupted()) {
                return;
            }
            turn(mayExit);
        }
        root.permit = false;
    }

    private void turn(boolean mayExit) {
        drainRemote();
        int fromWoken = woken.size();
        int n = fromWoken + ready.size();
        // Only a long turn reads the clock: a short one cannot overrun the budget by much.
        long start = n > CLOCK_CHECK_EVERY ? System.nanoTime() : 0;
        for (int i = 1; i <= n && !root.permit; i++) {
            runTask(i <= fromWoken ? woken.pollFirst() : ready.pollFirst());
            if (i % CLOCK_CHECK_EVERY == 0 && System.nanoTime() - start >= TURN_BUDGET_NANOS) {
                break; // the rest runs next turn, after the greenlets of the timers due by then
            }
        }
        // Due timers fire even when the root was just woken: a root looping on sleep(0) must not starve
        // them (a Timeout around such a loop has to fire, as gevent's test__sleep0 checks).
        TURNS.setOpaque(this, turns + 1);
        long nextDue;
        RUNNING_TASK.setOpaque(this, true);
        runningDue = true;
        try {
            nextDue = hooks.runDue();
        } catch (Throwable machineryError) {
            // The loop's own machinery failed (its timers, its poller): the loop must not die of it,
            // or the hub's thread would end and freeze every greenlet. The hooks reported it and
            // failed what depended on the broken part; go on as if nothing were scheduled.
            hooks.reportTaskError(machineryError);
            nextDue = 0;
        } finally {
            runningDue = false;
            RUNNING_TASK.setOpaque(this, false);
        }
        if (!ready.isEmpty() || !woken.isEmpty() || root.permit) {
            return;
        }
        drainRemote();
        if (!ready.isEmpty()) {
            return;
        }
        QUEUED.setOpaque(this, false);
        if (nextDue < 0 && mayExit && live == parkedInHub && external.get() == 0) {
            LoopExit exit = new LoopExit("This operation would block forever: the hub of thread \"" + thread.getName()
                    + "\" has nothing left that could wake the caller (no ready greenlet, no timer, no pending I/O or"
                    + " thread-pool work).\n" + hooks.describeState());
            hooks.loopExit(exit);
            throw exit;
        }
        idle = true;
        try {
            if (remote.isEmpty()) {
                hooks.idle(thread, nextDue);
            }
        } catch (Throwable machineryError) {
            hooks.reportTaskError(machineryError);
            // do not spin if the idle wait itself keeps failing
            LockSupport.parkNanos(this, nextDue < 0 ? 10_000_000L : Math.min(nextDue, 10_000_000L));
        } finally {
            idle = false;
        }
    }

    /**
     * Runs the {@link Callback}s submitted from other threads and queues the rest (continuations) for
     * the loop, in their order. For a greenlet pinned to the carrier thread while it waits (it blocks the
     * loop): a callback such as a kill from another thread still runs. Carrier only.
     */
    public void runRemoteCallbacks() {
        checkInCarrier("Carrier.runRemoteCallbacks");
        Runnable task;
        while ((task = remote.poll()) != null) {
            if (task instanceof Callback) {
                runTask(task);
            } else {
                ready.addLast(task);
                QUEUED.setOpaque(this, true);
            }
        }
    }

    private void drainRemote() {
        Runnable task;
        while ((task = remote.poll()) != null) {
            ready.addLast(task);
        }
    }

    private void runTask(Runnable task) {
        RUNNING_TASK.setOpaque(this, true);
        try {
            task.run();
        } catch (Throwable error) {
            hooks.reportTaskError(error);
        } finally {
            RUNNING_TASK.setOpaque(this, false);
        }
    }

    @Override
    public String toString() {
        return "Carrier[" + thread.getName() + "]";
    }

    /** The strand of the carrier thread itself. Its park runs the loop; its unpark is a permit. */
    static final class RootStrand extends Strand {
        boolean permit;

        RootStrand(Carrier carrier) {
            super(carrier, carrier.thread);
        }

        @Override
        public String name() {
            return "root of " + carrier.thread.getName();
        }
    }
}
