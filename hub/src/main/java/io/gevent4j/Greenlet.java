package io.gevent4j;

import io.gevent4j.core.GreenletExit;
import io.gevent4j.core.Strand;
import io.gevent4j.internal.loop.Deadline;
import io.gevent4j.internal.loop.Linkable;
import io.gevent4j.internal.loop.TimerHeap;
import io.gevent4j.internal.loop.Waits;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A greenlet: a flow of control spawned on a hub (gevent's {@code gevent.Greenlet}). It is a JDK
 * virtual thread whose scheduler is the hub, so {@code ThreadLocal}, {@code synchronized}, thread
 * dumps, JFR and debuggers all see it as a thread.
 *
 * <h2>State machine</h2>
 * <pre>
 *   NEW --start()--> STARTED --the hub runs it--> RUNNING --the callable returns------------> DEAD (successful, value)
 *    |                 |                            |------the callable throws--------------> DEAD (exception)
 *    |                 |                            '------kill(): GreenletExit raised in it--> DEAD (successful, value null)
 *    |                 '--kill() before it ran---------------------------------------------> DEAD (never runs)
 *    '--kill() before start(), or during startLater()'s delay------------------------------> DEAD (never runs)
 * </pre>
 * A STARTED greenlet is queued on the hub and has not run yet (usually without a thread: its virtual
 * thread is made when its turn comes, see {@code launch}); a RUNNING one is running or parked in a
 * wait; a DEAD one has let its thread go. When it dies, its waiters wake, then its links run on the hub, in one callback, in the order
 * they were added (a link removed meanwhile with {@link #unlink} does not run). A failure that nobody
 * observes (no link, no {@code get}, no {@code joinAll(..., raiseError)}) is printed to stderr with the
 * greenlet's name and stack, as gevent does.
 *
 * <p>Methods must be called on the greenlet's hub (its thread or one of its greenlets) unless they say
 * otherwise; {@link #kill}, {@link #join}, {@link #get()} and {@link #toCompletableFuture()} may be
 * called from any thread.
 *
 * <p>A greenlet is not itself a {@link Strand}: it owns one (its virtual thread's scheduling state,
 * made when it starts), so that the strand's machinery (raise, park) stays off its public surface.
 * Internal waiters (join, joinAll, futures) are the rawlink callbacks of its {@link Linkable} base,
 * called synchronously at death; user links run after death in one hub callback.
 *
 * @param <T> the result type
 */
public class Greenlet<T> extends Linkable<Greenlet<T>> implements Future<T>, Waitable {
    private static final AtomicLong IDS = new AtomicLong();
    private static final java.lang.invoke.VarHandle STATE;

    static {
        try {
            STATE = java.lang.invoke.MethodHandles.lookup().findVarHandle(Greenlet.class, "state", byte.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
    private static final byte NEW = 0;
    private static final byte STARTED = 1;
    private static final byte RUNNING = 2;
    private static final byte DEAD = 3;
    private static final byte KILLED = 1;
    private static final byte NOTIFIER_SCHEDULED = 2;
    private static final byte SCHEDULED = 4;

    private final Hub hub;
    /** What it runs: a {@link Callable}, or a {@link Gevent.Task} (whose value is null), with no wrapper around it. */
    private final Object task;
    private final long id;
    private final long spawnedAt;
    /**
     * Made by {@link #start()} or when it first runs (or by {@link #strand()} for a greenlet that never
     * starts); dropped at death.
     */
    private Body strand;
    private String name;
    /**
     * Written by the hub thread only. Volatile so that a thread outside the hub that sees DEAD also sees
     * the value and exception; only DEAD is written with a volatile (fenced) store, the other
     * transitions need no ordering against other threads and are release stores (plain on x86: two
     * fences less per spawn). NEW is the default value, so the constructor writes nothing.
     */
    private volatile byte state;
    /** {@link #KILLED}, {@link #NOTIFIER_SCHEDULED}, {@link #SCHEDULED}: hub thread only. */
    private byte flags;
    private volatile boolean observed;
    private T value;
    private Throwable exception;
    /** User links, run by one hub callback after death; null until the first link. */
    private ArrayDeque<Link> links;
    private TimerHandle startTimer;
    /** The hub's list of scheduled greenlets (started or start-later, not running yet), for close and dumps. */
    Greenlet<?> scheduledPrev;
    Greenlet<?> scheduledNext;

    /**
     * The strand of a greenlet: what the carrier schedules; it names itself after its greenlet. It is its
     * thread's task too ({@link Strand#createThread()}: it runs the greenlet), which saves the task objects
     * per greenlet.
     */
    static final class Body extends Strand {
        final Greenlet<?> greenlet;

        Body(Greenlet<?> greenlet) {
            super(greenlet.hub.carrier());
            this.greenlet = greenlet;
        }

        @Override
        public String name() {
            return greenlet.name();
        }

        /**
         * Makes the greenlet's thread, named after it. Its task is the strand itself ({@link #runBody()}):
         * no wrapper object, and one frame less in the stack of every parked greenlet.
         */
        Thread newThread() {
            Thread t = createThread();
            String n = greenlet.name;
            if (n != null) {
                t.setName(n); // named before it started: thread dumps show the name too
            }
            return t;
        }

        /** The thread's body: the greenlet's (run by {@link Strand#run()} on the greenlet's own thread only). */
        @Override
        protected void runBody() {
            greenlet.body();
        }

        void start() {
            startThread();
        }

        void startNow() {
            startNext();
        }
    }

    Greenlet(Hub hub, Callable<T> task) {
        this(hub, (Object) Objects.requireNonNull(task, "task"));
    }

    private Greenlet(Hub hub, Object task) {
        this.hub = hub;
        this.task = task;
        this.id = IDS.incrementAndGet();
        this.spawnedAt = System.nanoTime();
    }

    /** {@return this greenlet's strand, made on first use} */
    Strand strand() {
        Body s = strand;
        if (s == null) {
            s = new Body(this);
            strand = s;
        }
        return s;
    }

    /** {@return the greenlet's virtual thread, or {@code null} before it starts} */
    Thread thread() {
        Body s = strand;
        return s == null ? null : s.thread();
    }

    /**
     * The greenlet a strand belongs to.
     *
     * @param strand a strand, or {@code null}
     * @return its greenlet, or {@code null} for a root strand or {@code null}
     */
    static Greenlet<?> of(Strand strand) {
        return strand instanceof Body b ? b.greenlet : null;
    }

    private boolean flag(byte f) {
        return (flags & f) != 0;
    }

    private void setFlag(byte f, boolean on) {
        flags = (byte) (on ? flags | f : flags & ~f);
    }

    /**
     * A greenlet of {@code hub} that runs {@code task} and returns null: the task is called as is, with
     * no {@link Callable} wrapped around it (a parked greenlet keeps its task and its frames alive).
     *
     * @param hub its hub
     * @param task what it runs
     * @return the unstarted greenlet
     */
    static Greenlet<Void> ofTask(Hub hub, Gevent.Task task) {
        return new Greenlet<>(hub, (Object) Objects.requireNonNull(task, "task"));
    }

    /**
     * Creates a greenlet on the current hub without starting it (gevent's {@code Greenlet(run)}).
     *
     * @param task what it runs
     * @param <T> the result type
     * @return the unstarted greenlet
     */
    public static <T> Greenlet<T> create(Callable<T> task) {
        return new Greenlet<>(Hub.current(), task);
    }

    /**
     * The greenlet running now.
     *
     * @return the current greenlet, or {@code null} on a platform thread outside greenlets
     */
    public static Greenlet<?> current() {
        return Strand.currentOrNull() instanceof Body b ? b.greenlet : null;
    }

    /**
     * Schedules the greenlet to run on the hub's next turn, after what is already ready. Does nothing
     * if it was already started or killed.
     *
     * @return this greenlet
     */
    public Greenlet<T> start() {
        hub.checkInHub(this);
        if (state == NEW) {
            STATE.setRelease(this, STARTED);
            if (startTimer != null) {
                startTimer.cancel();
                startTimer = null;
            } else {
                hub.notYetRun().add(this);
            }
            if (hub.carrier().canDeferThreadCreation()) {
                // The thread is made when the greenlet's turn comes (launch), so that a greenlet waiting to
                // run holds no virtual thread and continuation yet: of the ~450 bytes of a queued greenlet
                // only ~100 remain, which is what a young collection during a burst of spawns has to copy.
                hub.carrier().execute(this::launch);
            } else {
                Body body = (Body) strand();
                body.newThread();
                body.start();
            }
        }
        return this;
    }

    /**
     * The greenlet's turn in the ready queue, for a greenlet whose thread was not made by {@link #start()}:
     * makes the thread and runs it next, in this turn. A greenlet killed meanwhile never gets a thread.
     */
    private void launch() {
        if (state != STARTED) {
            return;
        }
        Body body = (Body) strand();
        body.newThread();
        body.startNow();
    }

    /**
     * This greenlet's virtual thread, not started, for a {@link java.util.concurrent.ThreadFactory}
     * ({@link HubGroup#threadFactory()}): whoever starts it, from any thread, starts the greenlet, which
     * then runs on its hub as a greenlet started there would (it is not on the hub's list of greenlets
     * that have not run yet until then, so a hub closed before the thread starts does not kill it).
     * Package use; call it once, on a new greenlet.
     *
     * @return the unstarted thread
     */
    Thread unstartedThread() {
        if (state != NEW || strand != null) {
            throw new IllegalStateException("gevent4j: " + this + " already has a thread");
        }
        STATE.setRelease(this, STARTED);
        return ((Body) strand()).newThread();
    }

    /**
     * Schedules the greenlet to start after {@code delay} (gevent's {@code start_later}).
     *
     * @param delay how long from now
     * @return this greenlet
     */
    public Greenlet<T> startLater(Duration delay) {
        hub.checkInHub(this);
        if (state == NEW && startTimer == null) {
            startTimer = hub.callLater(delay, () -> {
                startTimer = null;
                start();
            });
            hub.notYetRun().add(this);
        }
        return this;
    }

    private void body() {
        if (state == DEAD) {
            return; // killed after start() but before it ran: it never runs
        }
        STATE.setRelease(this, RUNNING);
        hub.notYetRun().remove(this);
        Strand me = strand;
        if (io.gevent4j.internal.jfr.Jfr.active()) {
            io.gevent4j.internal.jfr.GreenletSpawnEvent.emit(me);
        }
        try {
            me.throwPending();
            value = call();
        } catch (GreenletExit exit) {
            setFlag(KILLED, true);
        } catch (Throwable t) {
            Throwable raised = me.pendingThrowDeliveredByInterrupt();
            if (raised == null) {
                exception = t;
            } else {
                // a kill reached it by interrupting a JDK wait (a lock, a socket, a plain Thread.sleep) and it
                // died of that interrupt: it died of the kill, not of the InterruptedException
                Thread.interrupted();
                if (raised instanceof GreenletExit) {
                    setFlag(KILLED, true);
                } else {
                    exception = raised;
                }
            }
        }
        die();
    }

    @SuppressWarnings("unchecked")
    private T call() throws Exception {
        if (task instanceof Gevent.Task t) {
            t.run();
            return null;
        }
        return ((Callable<T>) task).call();
    }

    private void die() {
        state = DEAD;
        if (io.gevent4j.internal.jfr.Jfr.active()) {
            io.gevent4j.internal.jfr.GreenletExitEvent.emit(strand(), killed() ? "killed" : exception != null ? "failed" : "finished",
                    exception, System.nanoTime() - spawnedAt);
        }
        // A dead greenlet needs neither its strand nor its thread (its virtual thread and continuation,
        // ~350 bytes): let them go while the greenlet itself stays referenced (a list of results, say).
        strand = null;
        fireLinks();
        if (links != null && !links.isEmpty()) {
            scheduleNotifier();
        }
        if (exception != null && !observed) {
            // reported after the woken joiners had a chance to look at it with get()
            hub.reportLater(this);
        }
    }

    private void scheduleNotifier() {
        if (!flag(NOTIFIER_SCHEDULED)) {
            setFlag(NOTIFIER_SCHEDULED, true);
            hub.carrier().execute(this::notifyLinks);
        }
    }

    /** Runs the user links on the hub, in order; a link unlinked by an earlier one does not run. */
    private void notifyLinks() {
        setFlag(NOTIFIER_SCHEDULED, false);
        Link link;
        while (links != null && (link = links.pollFirst()) != null) {
            try {
                link.run();
            } catch (Throwable error) {
                hub.reportError("link " + link.callback + " of " + this, error);
            }
        }
    }

    /** {@return true if someone observed the failure (a link, get, raiseError); package use, for reports} */
    boolean observed() {
        return observed;
    }

    /** {@return the exception without marking it observed (package use: joinAll, reports)} */
    Throwable failure() {
        return exception;
    }

    @Override
    protected boolean isReadyNow() {
        return state == DEAD;
    }

    @Override
    protected void reportLinkError(Object context, Throwable error) {
        hub.reportError(context, error);
    }

    // ---- links -------------------------------------------------------------------------------

    void linkInternal(Consumer<? super Greenlet<T>> listener) {
        addLink(listener);
    }

    boolean unlinkInternal(Object listener) {
        return removeLink(listener);
    }

    void markObserved() {
        observed = true;
    }

    /** Which deaths a user link runs for. */
    private enum LinkFilter {
        ANY, SUCCESS, FAILURE
    }

    /** A user link: run by the hub's notifier callback after the greenlet's death. */
    private final class Link {
        final Consumer<? super Greenlet<T>> callback;
        final LinkFilter filter;

        Link(Consumer<? super Greenlet<T>> callback, LinkFilter filter) {
            this.callback = callback;
            this.filter = filter;
        }

        void run() {
            boolean success = exception == null;
            if (filter == LinkFilter.ANY || (filter == LinkFilter.SUCCESS) == success) {
                callback.accept(Greenlet.this);
            }
        }
    }

    /**
     * Calls {@code callback} on the hub when this greenlet dies, however it dies (gevent's
     * {@code link}). A failure seen by a link is not printed. Callbacks run in the order added; they
     * must not block.
     *
     * @param callback receives this greenlet
     */
    public void link(Consumer<? super Greenlet<T>> callback) {
        addUserLink(callback, LinkFilter.ANY);
    }

    /**
     * Like {@link #link} but only if the greenlet succeeds.
     *
     * @param callback receives this greenlet
     */
    public void linkValue(Consumer<? super Greenlet<T>> callback) {
        addUserLink(callback, LinkFilter.SUCCESS);
    }

    /**
     * Like {@link #link} but only if the greenlet fails; the failure is then not printed.
     *
     * @param callback receives this greenlet
     */
    public void linkException(Consumer<? super Greenlet<T>> callback) {
        addUserLink(callback, LinkFilter.FAILURE);
    }

    private void addUserLink(Consumer<? super Greenlet<T>> callback, LinkFilter filter) {
        Objects.requireNonNull(callback, "callback");
        hub.checkInHub(this);
        if (filter != LinkFilter.SUCCESS) {
            observed = true;
        }
        if (links == null) {
            links = new ArrayDeque<>(2);
        }
        links.add(new Link(callback, filter));
        if (state == DEAD) {
            scheduleNotifier();
        }
    }

    /**
     * Removes a callback added with {@link #link}, {@link #linkValue} or {@link #linkException}.
     *
     * @param callback the callback
     * @return true if it was linked
     */
    public boolean unlink(Consumer<?> callback) {
        hub.checkInHub(this);
        if (links != null) {
            for (var it = links.iterator(); it.hasNext(); ) {
                if (it.next().callback == callback) {
                    it.remove();
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void rawlink(Consumer<? super Waitable> callback) {
        hub.checkInHub(this);
        linkInternal((Consumer<? super Greenlet<T>>) (Consumer<?>) callback);
    }

    @Override
    public boolean rawunlink(Consumer<? super Waitable> callback) {
        hub.checkInHub(this);
        return unlinkInternal(callback);
    }

    // ---- state -------------------------------------------------------------------------------

    /** {@return the hub this greenlet belongs to} */
    public Hub hub() {
        return hub;
    }

    /** {@return true once started (or killed before it started); false while a startLater delay runs} */
    public boolean started() {
        return state != NEW;
    }

    /** {@return true once dead: finished, failed or killed (gevent's {@code ready()})} */
    @Override
    public boolean ready() {
        return state == DEAD;
    }

    /** {@return true once dead (gevent's {@code dead})} */
    public boolean dead() {
        return state == DEAD;
    }

    /** {@return true if dead without an exception (a kill counts as success, as in gevent)} */
    public boolean successful() {
        return state == DEAD && exception == null;
    }

    /** {@return true if it was ended by a kill} */
    public boolean killed() {
        return flag(KILLED);
    }

    /** {@return the value returned, or {@code null} until then (and after a failure or kill)} */
    public T value() {
        return value;
    }

    /**
     * The exception the greenlet died of; reading it counts as observing it (it is then not printed).
     *
     * @return the exception, or {@code null}
     */
    public Throwable exception() {
        observed = true;
        return exception;
    }

    /** {@return "Greenlet-N" unless renamed} */
    public String name() {
        String n = name;
        return n != null ? n : "Greenlet-" + id;
    }

    /**
     * Renames the greenlet (and its thread, for thread dumps).
     *
     * @param newName the name
     * @return this greenlet
     */
    public Greenlet<T> name(String newName) {
        this.name = Objects.requireNonNull(newName, "name");
        Thread t = thread();
        if (t != null) {
            t.setName(newName);
        }
        return this;
    }

    long spawnedAt() {
        return spawnedAt;
    }

    /** {@return true while on the hub's list of greenlets that have not run yet (hub thread only)} */
    boolean scheduled() {
        return flag(SCHEDULED);
    }

    void scheduled(boolean on) {
        setFlag(SCHEDULED, on);
    }

    // ---- waiting -----------------------------------------------------------------------------

    /**
     * Waits until the greenlet is dead. Does not raise its exception.
     *
     * @throws InterruptedException if the waiting thread is interrupted
     */
    public void join() throws InterruptedException {
        join(null);
    }

    /**
     * Waits until the greenlet is dead or {@code timeout} passes.
     *
     * @param timeout the longest wait, or {@code null} for no limit
     * @return true if it is dead
     * @throws InterruptedException if the waiting thread is interrupted
     */
    public boolean join(Duration timeout) throws InterruptedException {
        if (state == DEAD) {
            return true;
        }
        Strand me = Strand.currentOrNull();
        if (me == null || me.carrier() != hub.carrier()) {
            try {
                Waits.await(toCompletableFuture().handle((v, e) -> Boolean.TRUE), timeout);
                return true;
            } catch (TimeoutException e) {
                return false;
            } catch (ExecutionException e) {
                throw new IllegalStateException("unreachable: handle() never fails", e);
            }
        }
        if (me == strand) {
            throw new IllegalStateException("gevent4j: " + name() + " cannot join itself: it would wait forever");
        }
        Consumer<Greenlet<T>> wake = g -> me.unpark();
        linkInternal(wake);
        TimerHeap.Timer timer = timeout == null ? null : hub.loop().timers().wakeAt(Deadline.after(timeout), me);
        try {
            while (state != DEAD && (timer == null || !timer.fired())) {
                me.park(this);
            }
        } finally {
            unlinkInternal(wake);
            if (timer != null) {
                timer.cancel();
            }
        }
        return state == DEAD;
    }

    /**
     * Waits for the result (gevent's {@code get()} in {@link Future} shape).
     *
     * @return the value
     * @throws ExecutionException with the greenlet's exception as cause
     * @throws CancellationException if it was killed
     * @throws InterruptedException if the waiting thread is interrupted
     */
    @Override
    public T get() throws InterruptedException, ExecutionException {
        observed = true;
        join();
        return result();
    }

    /**
     * Waits at most {@code timeout} for the result.
     *
     * @param timeout the longest wait
     * @param unit its unit
     * @return the value
     * @throws TimeoutException if it is still running
     * @throws ExecutionException with the greenlet's exception as cause
     * @throws InterruptedException if the waiting thread is interrupted
     */
    @Override
    public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        observed = true;
        if (!join(Duration.of(timeout, unit.toChronoUnit()))) {
            throw new TimeoutException(name() + " did not finish within " + timeout + " " + unit);
        }
        return result();
    }

    private T result() throws ExecutionException {
        observed = true;
        if (exception != null) {
            throw new ExecutionException(name() + " failed: " + exception, exception);
        }
        if (killed()) {
            throw new CancellationException(name() + " was killed");
        }
        return value;
    }

    /**
     * A future completed when this greenlet dies (with its value, its exception, or a
     * {@link CancellationException} if it was killed). Any thread.
     *
     * @return the future
     */
    public CompletableFuture<T> toCompletableFuture() {
        CompletableFuture<T> future = new CompletableFuture<>();
        Runnable register = () -> {
            observed = true;
            linkInternal(g -> g.completeFrom(future));
        };
        if (hub.inHub()) {
            register.run();
        } else {
            hub.callSoonThreadsafe(register);
            if (state == DEAD) {
                // it died meanwhile: complete from here, as the hub may have closed (say, a HubGroup's) and will
                // then never run the registration; completing twice is harmless
                observed = true;
                completeFrom(future);
            }
        }
        return future;
    }

    /** Completes {@code future} with the outcome of this dead greenlet (reads after the volatile state). */
    private void completeFrom(CompletableFuture<T> future) {
        if (exception != null) {
            future.completeExceptionally(exception);
        } else if (killed()) {
            future.completeExceptionally(new CancellationException(name() + " was killed"));
        } else {
            future.complete(value);
        }
    }

    // ---- kill --------------------------------------------------------------------------------

    /**
     * Kills the greenlet with {@link GreenletExit} and waits for it to die.
     *
     * @throws InterruptedException if interrupted while waiting
     */
    public void kill() throws InterruptedException {
        kill(new GreenletExit(), true, null);
    }

    /**
     * Raises {@code error} in the greenlet (gevent's {@code kill(exception, block, timeout)}). A greenlet
     * that has not run yet never runs. A greenlet blocked outside the hub (socket I/O) is interrupted.
     * Any thread.
     *
     * @param error what to raise; {@link GreenletExit} ends it quietly
     * @param block whether to wait for it to die
     * @param timeout the longest wait when blocking, or {@code null}
     * @return true if it is dead when this returns
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean kill(Throwable error, boolean block, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(error, "error");
        if (!hub.inHub()) {
            hub.callSoonThreadsafe(() -> killOnHub(error));
        } else {
            if (strand != null && Strand.currentOrNull() == strand) {
                throw Strand.<RuntimeException>sneakyThrow(error);
            }
            killOnHub(error);
        }
        return block ? join(timeout) : state == DEAD;
    }

    void killOnHub(Throwable error) {
        if (state == NEW || state == STARTED) {
            // not running yet: it dies at once and never runs (a STARTED one's thread returns at once)
            if (startTimer != null) {
                startTimer.cancel();
                startTimer = null;
            }
            hub.notYetRun().remove(this);
            if (error instanceof GreenletExit) {
                setFlag(KILLED, true);
            } else {
                exception = error;
                observed = true;
            }
            die();
        } else if (state == RUNNING) {
            strand.raise(error);
        }
    }

    // ---- Future ------------------------------------------------------------------------------

    /**
     * Kills the greenlet (without waiting).
     *
     * @param mayInterruptIfRunning ignored: a kill always reaches the greenlet at its next wait
     * @return true if it was not dead yet
     */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        if (state == DEAD) {
            return false;
        }
        try {
            kill(new GreenletExit("cancelled"), false, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return true;
    }

    /** {@return true if it was killed} */
    @Override
    public boolean isCancelled() {
        return killed();
    }

    /** {@return true once dead} */
    @Override
    public boolean isDone() {
        return state == DEAD;
    }

    @Override
    public String toString() {
        String s = state == NEW ? (startTimer != null ? "start scheduled" : "new")
                : state == STARTED ? "started, not run yet" : state == RUNNING ? "running" : killed() ? "killed"
                : exception != null ? "failed: " + exception : "finished";
        return "Greenlet[\"" + name() + "\", " + s + "]";
    }
}
