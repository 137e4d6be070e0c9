package io.gevent4j.core;

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
    public static final long TURN_BUDGET_NANOS = 5_000_000L;
    /** Tasks run between two reads of the clock against {@link #TURN_BUDGET_NANOS}. */
    public static final int CLOCK_CHECK_EVERY = 64;
    private static final java.lang.invoke.VarHandle RUNNING_TASK;

    static {
        try {
            RUNNING_TASK = java.lang.invoke.MethodHandles.lookup().findVarHandle(Carrier.class, "runningTask", boolean.class);
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
            System.err.println("gevent4j: a task on the carrier failed:");
            error.printStackTrace();
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
    private volatile boolean idle;
    private volatile Hooks hooks = NO_HOOKS;
    private Object owner;
    /** True while a task runs on the carrier thread itself (a callback; a greenlet runs on its own thread). */
    private boolean runningTask;
    /** The next submission from the carrier goes to the front of the ready queue (a direct switch). */
    private boolean submitToFront;
    /** Greenlets begun and not yet ended on this carrier. */
    int live;
    /** Greenlets parked in {@link Strand#park(Object)}, i.e. waiting for something the hub will do. */
    int parkedInHub;
    /** The main raw greenlet of this carrier, created on first use. */
    RawGreenlet mainGreenlet;
    /** Head of the intrusive list of live strands, for dumps. */
    Strand liveHead;

    private Carrier(Thread thread) {
        JdkSupport.check();
        JdkSupport.startJdkPollers();
        this.thread = thread;
        this.builder = JdkSupport.virtualThreadBuilder(this);
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
     * Installs the hooks of this carrier's owner; done once, by the hub.
     *
     * @param owner the owning object, returned by {@link #owner()}
     * @param hooks the hooks
     */
    public void attach(Object owner, Hooks hooks) {
        if (this.owner != null) {
            throw new IllegalStateException("carrier of " + thread + " already has an owner: " + this.owner);
        }
        this.owner = owner;
        this.hooks = hooks;
    }

    /**
     * Removes the owner attached with {@link #attach}, so that a new one can be attached.
     *
     * @param owner the current owner
     */
    public void detach(Object owner) {
        if (this.owner == owner) {
            this.owner = null;
            this.hooks = NO_HOOKS;
        }
    }

    /** {@return the object attached with {@link #attach}, or {@code null}} */
    public Object owner() {
        return owner;
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
        Strand strand = currentStrand();
        if (strand != null && strand.carrier == this) {
            ArrayDeque<Runnable> queue = runningDue ? woken : ready;
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
     * Whether tasks wait to be run: ready ones, or submissions from other threads. From another thread
     * the ready queue's size is read racily (for monitors; the answer may be stale).
     *
     * @return true if work waits for the loop
     */
    public boolean hasWaitingWork() {
        return !remote.isEmpty() || !ready.isEmpty() || !woken.isEmpty();
    }

    /** {@return the number of tasks waiting to run: the ready and woken queues (carrier only)} */
    public int readyCount() {
        return ready.size() + woken.size();
    }

    /** {@return greenlets begun and not ended on this carrier (carrier only)} */
    public int liveCount() {
        return live;
    }

    /** {@return greenlets parked in a hub wait (carrier only)} */
    public int parkedInHubCount() {
        return parkedInHub;
    }

    /** {@return outstanding external work} */
    public int externalCount() {
        return external.get();
    }

    /**
     * Calls {@code action} for each live strand (carrier only), for dumps.
     *
     * @param action receives each strand
     */
    public void forEachLive(java.util.function.Consumer<Strand> action) {
        for (Strand s = liveHead; s != null; s = s.nextLive) {
            action.accept(s);
        }
    }

    /** Creates an unstarted virtual thread of {@code strand}, scheduled on this carrier. */
    Thread newThread(Strand strand, Runnable body) {
        Thread thread = builder.unstarted(body);
        thread.setUncaughtExceptionHandler(strand);
        return thread;
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
        long nextDue;
        runningTask = true;
        runningDue = true;
        try {
            nextDue = hooks.runDue();
        } finally {
            runningDue = false;
            runningTask = false;
        }
        if (!ready.isEmpty() || !woken.isEmpty() || root.permit) {
            return;
        }
        drainRemote();
        if (!ready.isEmpty()) {
            return;
        }
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
        } finally {
            idle = false;
        }
    }

    private void drainRemote() {
        Runnable task;
        while ((task = remote.poll()) != null) {
            ready.addLast(task);
        }
    }

    private void runTask(Runnable task) {
        runningTask = true;
        try {
            task.run();
        } catch (Throwable error) {
            hooks.reportTaskError(error);
        } finally {
            runningTask = false;
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
