package io.gevent4j.server;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import io.gevent4j.HubGroup;
import io.gevent4j.core.GreenletExit;
import io.gevent4j.core.Strand;
import io.gevent4j.event.Event;
import io.gevent4j.internal.loop.Waits;
import io.gevent4j.pool.Spawner;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;

/**
 * What {@link StreamServer} and {@link DatagramServer} share (gevent's {@code gevent.baseserver.BaseServer}):
 * the options that decide where handlers run, the life cycle, the one stop path, and the bookkeeping
 * of running handlers. A subclass opens its socket ({@link #bind()}), runs its loop ({@link #serveLoop()},
 * which hands each unit of work to {@link #dispatch(Job)}) and closes its socket ({@link #closeSocket()}).
 *
 * <h2>Life cycle (one field, {@code state})</h2>
 * <pre>
 *   NEW --start()--> SERVING --stop(timeout)/close()--> STOPPING --handlers done or killed--> CLOSED
 *    |                  |
 *    |                  '--the loop greenlet dies without a stop (Hub.close(), a kill)--> ABANDONED
 *    |                                                                                       |
 *    '---------------------------------close()/stop()-----------------------------------------+--> CLOSED
 * </pre>
 * Options are set while NEW. {@link #start()} binds the socket and spawns the loop as a greenlet on
 * the calling thread's hub (the server's hub); the loop runs once that thread blocks in a gevent4j
 * call ({@link #serveForever()}, a join, a sleep...). {@link #started()} is true in SERVING only,
 * {@link #closed()} in CLOSED only. In ABANDONED the socket is already closed (the port released);
 * a stop then releases what is left. A failed {@code start()} (the address cannot be bound) leaves
 * the server NEW. The state is written on the server's hub only, and read from any thread.
 *
 * <h2>Where handlers run (one dispatch strategy per mode)</h2>
 * By default each unit of work (a connection, a datagram) is handled in a greenlet made by the
 * {@link Spawner} on the server's hub (a bounded {@code Pool} caps the handlers; the loop waits for
 * room). With {@link #hubGroup(HubGroup)} the loop still runs on the server's hub but each unit goes to
 * the next hub of the group (round-robin) and its handler runs entirely there; its end is reported back
 * to the server's hub with {@link Hub#callSoonThreadsafe}. What handlers share must then be thread-safe.
 *
 * <h2>Stop</h2>
 * {@link #stop(Duration)} closes the socket at once (no new work), waits up to the given time for the
 * running handlers, then kills the rest ({@link GreenletExit}; their resources are released) and
 * waits briefly for them to die. A handler that calls stop is neither waited for nor killed. Any thread.
 *
 * @param <S> the concrete server type, returned by the option setters
 */
public abstract class BaseServer<S extends BaseServer<S>> implements AutoCloseable {
    /** How long {@link #close()} and {@link #serveForever()} let handlers finish (gevent's {@code stop_timeout}). */
    public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(1);
    /** How long {@link #stop(Duration)} waits for killed handlers to die. */
    static final Duration KILL_WAIT = Duration.ofSeconds(1);

    /** The life cycle; see the class comment. */
    enum State { NEW, SERVING, STOPPING, ABANDONED, CLOSED }

    /**
     * One unit of handler work (a connection, a datagram), from its dispatch until its handler ends.
     * Owned by the server's hub; {@link #run()} and {@link #release()} run on the handler's hub.
     */
    abstract static class Job {
        /** The handler's greenlet once spawned; set on the server's hub. */
        Greenlet<?> greenlet;

        /** Runs the handler. */
        abstract void run() throws Exception;

        /** Releases what the job holds (its socket); may be called more than once. */
        abstract void release();

        /** {@return true if {@code error}, escaping the handler, is an expected end not to report} */
        boolean quiet(Throwable error) {
            return false;
        }

        /** {@return the name given to the handler's greenlet} */
        abstract String greenletName();

        /** {@return what the job is, for reports: the peer's address} */
        abstract String describe();
    }

    private final InetSocketAddress requested;
    private Duration stopTimeout = DEFAULT_STOP_TIMEOUT;
    private Dispatch dispatch = new OwnHubDispatch(this, Spawner.DEFAULT);

    private volatile State state = State.NEW;
    private volatile Hub hub;
    private volatile InetSocketAddress bound;
    private volatile int jobCount;
    private Greenlet<Void> loop;
    /** A {@link #stopInBackground()} was scheduled. */
    private boolean stopScheduled;
    private Event stoppedEvent;
    private final LinkedHashSet<Job> jobs = new LinkedHashSet<>();
    /** The strand waiting in {@link #stop} for the handlers to finish, or null. */
    private Strand stopWaiter;
    /** The job whose handler is calling {@link #stop}, not waited for; or null. */
    private Job stopperJob;

    BaseServer(InetSocketAddress address) {
        this.requested = Objects.requireNonNull(address, "address");
    }

    @SuppressWarnings("unchecked")
    private S self() {
        return (S) this;
    }

    // ---- what a subclass provides ------------------------------------------------------------

    /** {@return the class name used in messages and greenlet names, e.g. "StreamServer"} */
    abstract String kind();

    /** {@return what the loop is called in reports, e.g. "the accept loop"} */
    abstract String loopName();

    /**
     * Opens and binds the server's socket. On failure the socket must be closed and the exception say
     * which address could not be bound and what to do.
     *
     * @return the bound address
     */
    abstract InetSocketAddress bind() throws IOException;

    /** The loop (accept, receive), in its own greenlet; returns once {@link #stopping()}. */
    abstract void serveLoop() throws InterruptedException;

    /** Closes the server's socket (idempotent); new work is refused from then on. */
    abstract void closeSocket();

    // ---- options -----------------------------------------------------------------------------

    /**
     * Sets what spawns the handler greenlets (gevent's {@code spawn=} argument): {@link Spawner#DEFAULT}
     * spawns on the server's hub; a {@code Pool} of size N caps the handlers at N, the loop waiting for
     * room meanwhile. The spawner must belong to the server's hub.
     *
     * @param spawner the spawner
     * @return this server
     */
    public S spawner(Spawner spawner) {
        checkNew("spawner");
        Objects.requireNonNull(spawner, "spawner");
        if (dispatch instanceof HubGroupDispatch onGroup && spawner != Spawner.DEFAULT) {
            throw new IllegalStateException(this + " serves on " + onGroup.group() + ", whose hubs spawn the"
                    + " handlers; a Spawner (a Pool) belongs to one hub and cannot be combined with hubGroup(...)");
        }
        if (dispatch instanceof OwnHubDispatch) {
            dispatch = new OwnHubDispatch(this, spawner);
        }
        return self();
    }

    /**
     * Serves on every hub of {@code group}: the loop stays on the server's hub and hands each unit of
     * work to the next hub of the group (round-robin), where its handler greenlet runs. Not combinable
     * with a {@link #spawner(Spawner)} other than the default. The server's hub may be one of the
     * group's or another.
     *
     * @param group the hubs that run the handlers, or {@code null} for the server's hub alone (the default)
     * @return this server
     */
    public S hubGroup(HubGroup group) {
        checkNew("hubGroup");
        if (dispatch instanceof OwnHubDispatch own && own.spawner() != Spawner.DEFAULT && group != null) {
            throw new IllegalStateException(this + " has a Spawner (a Pool), which belongs to one hub; it cannot"
                    + " also serve on " + group + ". Use one or the other");
        }
        dispatch = group == null ? new OwnHubDispatch(this, Spawner.DEFAULT) : new HubGroupDispatch(this, group);
        return self();
    }

    /**
     * Sets how long {@link #close()} and the end of {@link #serveForever()} let running handlers finish
     * before killing them (gevent's {@code stop_timeout}).
     *
     * @param timeout zero or more; default {@link #DEFAULT_STOP_TIMEOUT}
     * @return this server
     */
    public S stopTimeout(Duration timeout) {
        checkNew("stopTimeout");
        if (Objects.requireNonNull(timeout, "timeout").isNegative()) {
            throw new IllegalArgumentException(kind() + " stopTimeout must not be negative, got " + timeout);
        }
        this.stopTimeout = timeout;
        return self();
    }

    /** Fails unless the server is NEW: options are set before start. */
    final void checkNew(String option) {
        State s = state;
        if (s != State.NEW) {
            throw new IllegalStateException(kind() + " " + requested + ": " + option + " can only be set before"
                    + " start(); this server is " + (s == State.CLOSED ? "closed" : "started") + ". Configure a new "
                    + kind() + ".");
        }
    }

    final InetSocketAddress requested() {
        return requested;
    }

    final boolean onHubGroup() {
        return dispatch instanceof HubGroupDispatch;
    }

    // ---- life cycle --------------------------------------------------------------------------

    /**
     * Binds the socket and spawns the loop on the calling thread's hub. Does nothing if the server is
     * already started. The loop runs once this thread blocks in a gevent4j call.
     *
     * @return this server
     * @throws java.net.BindException if the address cannot be bound (in use, not local), naming it
     * @throws IOException if the socket cannot be created
     * @throws IllegalStateException if the server was closed
     */
    public S start() throws IOException {
        State s = state;
        if (s == State.CLOSED) {
            throw new IllegalStateException(this + " is closed and cannot be started again; create a new " + kind());
        }
        if (s != State.NEW) {
            hub.checkInHub(this);
            return self();
        }
        Hub owner = Hub.current();
        bound = bind();
        ListeningServers.add(this);
        stoppedEvent = new Event();
        hub = owner;
        state = State.SERVING;
        loop = Gevent.spawn(this::runLoop);
        loop.name(kind() + "-" + loopName().replace("the ", "").replace(" loop", "") + " " + bound);
        // However the loop greenlet ends (stop(), or a kill from elsewhere such as Hub.close(), even
        // before it ran), the port is released; a raw link runs synchronously as it dies.
        loop.rawlink(dead -> {
            if (state == State.SERVING) {
                state = State.ABANDONED;
            }
            releaseSocket();
        });
        return self();
    }

    /**
     * Starts the server if needed, then blocks cooperatively until it is stopped (gevent's
     * {@code serve_forever}). If this wait ends any other way (a kill, an interrupt), the server is
     * stopped with the {@link #stopTimeout} before the exception goes on.
     *
     * @throws IOException if starting fails
     * @throws InterruptedException if interrupted while serving
     */
    public void serveForever() throws IOException, InterruptedException {
        if (state == State.NEW) {
            start();
        }
        if (hub == null) {
            return;
        }
        hub.checkInHub(this);
        try {
            stoppedEvent.await();
        } finally {
            if (state != State.CLOSED) {
                stop(stopTimeout);
            }
        }
    }

    /**
     * Stops the server with the {@link #stopTimeout} (see {@link #stop(Duration)}).
     *
     * @throws InterruptedException if interrupted while waiting for handlers
     */
    public void stop() throws InterruptedException {
        stop(stopTimeout);
    }

    /**
     * Stops accepting at once and closes the socket (new work is refused), then waits up to
     * {@code gracefulTimeout} for the running handlers to return, then kills those still running
     * (raising {@link GreenletExit} in them and releasing their sockets) and waits briefly for them to
     * die. A handler that calls this is neither waited for nor killed. Returns at once if the server is
     * already closed; waits for a stop already in progress. Any thread: from another thread the work
     * is done on the server's hub, whose thread must be running its loop.
     *
     * @param gracefulTimeout how long running handlers may take to finish; zero kills them at once
     * @throws InterruptedException if interrupted while waiting
     */
    public void stop(Duration gracefulTimeout) throws InterruptedException {
        Objects.requireNonNull(gracefulTimeout, "gracefulTimeout");
        stop(gracefulTimeout, Greenlet.current());
    }

    /**
     * Stops the server with the {@link #stopTimeout} (gevent's {@code close} after {@code stop}); a
     * server never started is just marked closed. Any thread.
     *
     * @throws InterruptedException if interrupted while waiting for handlers
     */
    @Override
    public void close() throws InterruptedException {
        stop(stopTimeout);
    }

    /**
     * The one stop path: {@link #stop(Duration)} on behalf of {@code caller}, the greenlet that asked
     * (possibly on another hub, a handler in hub-group mode), which is neither waited for nor killed.
     */
    final void stop(Duration gracefulTimeout, Greenlet<?> caller) throws InterruptedException {
        Hub owner = hub;
        if (owner == null || state == State.CLOSED) {
            state = State.CLOSED;
            return;
        }
        if (owner.isClosed() || !owner.thread().isAlive()) {
            stopDeadHub(owner);
            return;
        }
        if (!owner.inHub()) {
            stopFromElsewhere(owner, gracefulTimeout, caller);
            return;
        }
        if (state == State.STOPPING) {
            stoppedEvent.await();
            return;
        }
        state = State.STOPPING;
        try {
            releaseSocket();
            if (loop != caller) {
                loop.kill(new GreenletExit(kind() + " stopped"), true, null);
            }
            waitForHandlers(caller, gracefulTimeout);
            killHandlers(caller);
        } finally {
            state = State.CLOSED;
            stoppedEvent.set();
        }
    }

    /**
     * Stops the server in a greenlet of its own, once, after a problem that makes serving impossible;
     * the loop that found it then returns. Server's hub only.
     *
     * @return true if this call scheduled the stop (report the problem then), false if one was already
     */
    final boolean stopInBackground() {
        if (state != State.SERVING || stopScheduled) {
            return false;
        }
        stopScheduled = true;
        Gevent.spawn(() -> stop(stopTimeout)).name(kind() + "-stop " + bound);
        return true;
    }

    /** The server's hub was closed or its thread ended: its greenlets are gone; release what is left. */
    private void stopDeadHub(Hub owner) {
        state = State.CLOSED;
        releaseSocket();
        if (owner.inHub()) {
            for (Job job : new ArrayList<>(jobs)) {
                job.release();
                forget(job);
            }
        }
    }

    private void stopFromElsewhere(Hub owner, Duration gracefulTimeout, Greenlet<?> caller)
            throws InterruptedException {
        try {
            // bounded: a server hub that closes or hangs must not leave the caller waiting forever
            Duration limit = gracefulTimeout.plusSeconds(30);
            Waits.await(owner.submit(() -> {
                stop(gracefulTimeout, caller);
                return null;
            }), limit);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof InterruptedException interrupted) {
                throw interrupted;
            }
            throw Strand.<RuntimeException>sneakyThrow(cause);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("gevent4j: " + this + ": the server's hub (" + owner + ") did not run stop()"
                    + " within the graceful timeout + 30 s; is that hub closed, or blocked?", e);
        }
    }

    private void waitForHandlers(Greenlet<?> caller, Duration gracefulTimeout) throws InterruptedException {
        stopperJob = null;
        for (Job job : jobs) {
            if (job.greenlet != null && job.greenlet == caller) {
                stopperJob = job;
            }
        }
        awaitOthersEnded(gracefulTimeout);
    }

    /** Parks the stopping strand until no handler but the stopper's runs, or {@code timeout}. */
    final void awaitOthersEnded(Duration timeout) throws InterruptedException {
        stopWaiter = Strand.current();
        try {
            Waits.parkUntil(this, timeout, () -> othersRunning() == 0);
        } finally {
            stopWaiter = null;
        }
    }

    final int othersRunning() {
        int n = jobs.size();
        return stopperJob != null && jobs.contains(stopperJob) ? n - 1 : n;
    }

    private void killHandlers(Greenlet<?> caller) throws InterruptedException {
        List<Job> left = new ArrayList<>(jobs);
        left.remove(stopperJob);
        if (left.isEmpty()) {
            return;
        }
        List<Greenlet<?>> victims = new ArrayList<>(left.size());
        for (Job job : left) {
            if (job.greenlet != null && job.greenlet != caller) {
                job.greenlet.kill(new GreenletExit(kind() + " " + bound + " stopped"), false, null);
                victims.add(job.greenlet);
            }
            // A handler blocked in socket I/O fails at once; one that never ran still gets its socket closed.
            job.release();
        }
        dispatch.awaitKilled(left, victims);
    }

    /** Reports the handlers still running {@link #KILL_WAIT} after their kill. */
    final void reportSurvivors(int survivors, String where) {
        hub.reportError(this, new IllegalStateException(survivors + " handler(s) of " + this + where + " still run "
                + KILL_WAIT.toMillis() + " ms after being killed (they catch GreenletExit or never wait); their"
                + " sockets are closed. Let GreenletExit propagate out of handlers"));
    }

    private void releaseSocket() {
        ListeningServers.remove(this);
        closeSocket();
    }

    // ---- the loop and the handlers -----------------------------------------------------------

    private void runLoop() throws InterruptedException {
        try {
            serveLoop();
        } catch (RuntimeException | Error e) {
            if (e instanceof GreenletExit) {
                throw e;
            }
            hub.reportError(this + ": " + loopName(), e);
            stopInBackground();
        }
    }

    /**
     * What the loop does after its socket operation failed: true if the loop must end, because a stop
     * is under way or the socket was closed outside a stop (reported once, and a stop scheduled);
     * false for a failure of this one operation (the caller reports or retries). A kill or timeout
     * raised meanwhile is thrown from here.
     *
     * @param operation "accept", "receive"
     * @param socketClosed whether the server's socket is closed
     * @param error the failure
     */
    final boolean loopMustEnd(String operation, boolean socketClosed, java.io.IOException error) {
        Strand.current().throwPending();
        if (stopping()) {
            return true;
        }
        if (socketClosed) {
            if (stopInBackground()) {
                hub.reportError(this + ": " + operation, new IllegalStateException("the socket was closed outside stop()"
                        + " (was the " + operation + " greenlet interrupted?); the server stops now", error));
            }
            return true;
        }
        return false;
    }

    /** {@return true once a stop has begun (or the loop was abandoned): the loop must return} */
    final boolean stopping() {
        return state != State.SERVING;
    }

    /**
     * Hands one unit of work to a handler greenlet (by the mode's strategy), or releases it if the
     * server is stopping. Server's hub, from the loop.
     */
    final void dispatch(Job job) throws InterruptedException {
        if (stopping()) {
            job.release();
            return;
        }
        jobs.add(job);
        jobCount++;
        dispatch.dispatch(job);
    }

    /**
     * The body of every handler greenlet, on the handler's hub: runs the job, reports what escapes it
     * (the server keeps serving), releases it, and tells the strategy it ended.
     */
    final Void runJob(Job job) {
        try {
            job.run();
        } catch (GreenletExit exit) {
            throw exit;
        } catch (Throwable error) {
            Throwable cause = raisedInstead(error);
            if (!job.quiet(cause)) {
                hub.reportError(this + ": handler for " + job.describe(), cause);
            }
        } finally {
            job.release();
            dispatch.ended(job);
        }
        return null;
    }

    /**
     * A kill or a {@code Timeout} raised into a greenlet blocked in socket I/O interrupts it, which
     * closes the socket: the handler then fails with a {@code SocketException}, a side effect. This
     * returns what was raised instead (and rethrows it if it is a {@link GreenletExit}, so that the
     * greenlet dies of the kill), or {@code error} if nothing was raised.
     */
    private static Throwable raisedInstead(Throwable error) {
        Strand me = Strand.current();
        if (me.pendingThrow() == null) {
            return error;
        }
        try {
            me.throwPending();
            return error;
        } catch (GreenletExit exit) {
            throw exit;
        } catch (Throwable raised) {
            return raised;
        }
    }

    /** Forgets an ended job and wakes a waiting stop when the last one ends. Server's hub only. */
    final void forget(Job job) {
        if (jobs.remove(job)) {
            jobCount--;
            Strand waiter = stopWaiter;
            if (waiter != null && othersRunning() == 0) {
                waiter.unpark();
            }
        }
    }

    /** {@return whether {@code job} is still counted} */
    final boolean tracked(Job job) {
        return jobs.contains(job);
    }

    // ---- state -------------------------------------------------------------------------------

    /**
     * The port the server listens on: the real one after {@link #start()}, even when 0 was asked
     * (gevent's {@code server_port}). Any thread.
     *
     * @return the bound port, or the requested one before start
     */
    public int port() {
        InetSocketAddress a = bound;
        return a != null ? a.getPort() : requested.getPort();
    }

    /**
     * The address the server listens on (gevent's {@code address} after start). Any thread.
     *
     * @return the bound address after start, else the requested one
     */
    public InetSocketAddress address() {
        InetSocketAddress a = bound;
        return a != null ? a : requested;
    }

    /**
     * Whether the server takes new work: true from {@link #start()} until a stop begins or the loop
     * ends (gevent's {@code started}). Any thread.
     *
     * @return true while serving
     */
    public boolean started() {
        return state == State.SERVING;
    }

    /**
     * Whether the server was stopped or closed (gevent's {@code closed}); a closed server cannot be
     * started again. Any thread.
     *
     * @return true once stopped
     */
    public boolean closed() {
        return state == State.CLOSED;
    }

    /** {@return the number of units of work dispatched whose handler has not ended (any thread)} */
    final int jobCount() {
        return jobCount;
    }

    /**
     * The hub the server was started on: its loop runs there, and by default its handlers.
     *
     * @return the hub, or {@code null} before start
     */
    public Hub hub() {
        return hub;
    }

    /** {@return the stop timeout} */
    final Duration stopTimeoutValue() {
        return stopTimeout;
    }

    /** {@return the bound address, or null before start} */
    final InetSocketAddress boundAddress() {
        return bound;
    }
}
