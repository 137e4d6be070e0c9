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

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;

/**
 * A TCP server that runs a handler in a greenlet for each connection (gevent's
 * {@code gevent.server.StreamServer}). The handler is plain blocking {@code java.net} code: a
 * greenlet is a virtual thread whose scheduler is the hub, so a read or write that would block parks
 * only that greenlet, and the hub runs the others meanwhile.
 * <pre>{@code
 * var server = new StreamServer(new InetSocketAddress("127.0.0.1", 0), (socket, peer) -> {
 *     var in = socket.getInputStream();
 *     var out = socket.getOutputStream();
 *     byte[] buf = new byte[8192];
 *     for (int n; (n = in.read(buf)) > 0; ) {
 *         out.write(buf, 0, n);
 *     }
 * }).backlog(1024);
 * server.start();
 * int port = server.port();   // the real port, though 0 was asked
 * server.serveForever();      // until stop() is called, from a greenlet or another thread
 * }</pre>
 *
 * <h2>Life cycle</h2>
 * <pre>
 *   NEW --start()--> STARTED (accepting) --stop(timeout)/close()--> CLOSED
 *    '---------------------------close()/stop()--------------------------'
 * </pre>
 * Options ({@link #backlog}, {@link #spawner}, {@link #sslContext}, {@link #readTimeout},
 * {@link #stopTimeout}) are set while NEW. {@link #start()} binds the listening socket and spawns the
 * accept loop as a greenlet on the hub of the calling thread (the server's hub); the loop runs once
 * that thread blocks in a gevent4j call ({@link #serveForever()}, a join, a sleep...).
 * {@link #stop(Duration)} stops accepting at once and closes the listening socket (new connections
 * are refused), waits up to the given time for the running handlers to return, then kills the rest.
 * A closed server cannot be started again: create a new one.
 *
 * <h2>Connections</h2>
 * Each accepted connection is handled in a greenlet made by the {@link Spawner} (by default a plain
 * spawn on the server's hub; a bounded {@code Pool} caps the number of concurrent handlers, and the
 * accept loop waits for room). With an {@link SSLContext} the accepted socket is wrapped in a
 * server-mode {@link SSLSocket} and the TLS handshake runs inside the handler's greenlet, so a slow
 * client never holds up the accept loop. The socket is always closed when the handler returns.
 * An exception thrown by a handler closes that connection only; it is reported through
 * {@link Hub#reportError} with the peer's address, and the server keeps serving. A
 * {@link SocketTimeoutException} that escapes a handler while {@link #readTimeout} is set is the idle
 * timeout doing its job and closes the connection without a report.
 *
 * <h2>Accept errors</h2>
 * An accept that fails (for example {@code EMFILE}, "Too many open files") does not end the accept
 * loop: it waits 10 ms, doubling up to 1 s while the failures go on, and retries. Each episode of
 * failures is reported once, with the first error.
 *
 * <h2>Hub-group mode</h2>
 * With {@link #hubGroup(HubGroup)} the accept loop still runs on the server's hub (the one that calls
 * {@link #start()}), but each accepted connection is handed to the next hub of the group (round-robin)
 * and its handler greenlet runs entirely there, so the handlers use every core. The bookkeeping
 * (open connections, stop) stays on the server's hub; a handler's end is reported back to it through
 * {@link Hub#callSoonThreadsafe}. A handler then runs on a hub other than the server's: what it shares
 * with other handlers must be thread-safe (see {@code docs/hubgroup.md}). If the group is closed while
 * the server runs, the group's hubs kill their handlers (their sockets are closed), and the server
 * reports it once and stops.
 *
 * <h2>Threads</h2>
 * A server is hub-local: configure, start and serve it from its hub's thread and greenlets. The
 * exceptions are {@link #stop(Duration)} and {@link #close()}, which may be called from any thread
 * (the hub's thread must then be running its loop, e.g. in {@link #serveForever()}), and the
 * read-only {@link #port()}, {@link #address()}, {@link #started()}, {@link #closed()} and
 * {@link #connectionCount()}.
 */
public final class StreamServer implements AutoCloseable {
    /** The listen backlog used unless {@link #backlog(int)} says otherwise (gevent's default). */
    public static final int DEFAULT_BACKLOG = 256;
    /** How long {@link #close()} and {@link #serveForever()} let handlers finish (gevent's {@code stop_timeout}). */
    public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(1);
    /** Servers whose listening socket is open, for {@link #listening()}. */
    private static final java.util.Set<StreamServer> LISTENING = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** The first pause after a failed accept. */
    static final long MIN_ACCEPT_DELAY_MS = 10;
    /** The longest pause between retries of a failing accept. */
    static final long MAX_ACCEPT_DELAY_MS = 1000;
    /** How long {@link #stop(Duration)} waits for killed handlers to die. */
    private static final Duration KILL_WAIT = Duration.ofSeconds(1);

    /**
     * The code run for each connection, in its own greenlet. Write it as plain blocking
     * {@code java.net} code; it may throw anything, which closes that connection only.
     */
    @FunctionalInterface
    public interface Handler {
        /**
         * Serves one connection. The server closes the socket after this returns or throws.
         *
         * @param socket the accepted connection ({@link SSLSocket} when the server has an
         *               {@link SSLContext}, its handshake done)
         * @param peer the client's address
         * @throws Exception anything; it is reported with the peer's address and the connection closed
         */
        void handle(Socket socket, InetSocketAddress peer) throws Exception;
    }

    /** Creates the unbound listening socket; a test replaces it to simulate accept failures. */
    @FunctionalInterface
    interface ListenerFactory {
        ServerSocket create() throws IOException;
    }

    /** One accepted connection, from accept to close. */
    private static final class Connection {
        final Socket raw;
        final InetSocketAddress peer;
        Greenlet<?> greenlet;

        Connection(Socket raw, InetSocketAddress peer) {
            this.raw = raw;
            this.peer = peer;
        }
    }

    private final InetSocketAddress requested;
    private final Handler handler;
    private int backlog = DEFAULT_BACKLOG;
    private Spawner spawner = Spawner.DEFAULT;
    private SSLContext sslContext;
    private Duration readTimeout;
    private Duration stopTimeout = DEFAULT_STOP_TIMEOUT;
    private ListenerFactory listenerFactory = ServerSocket::new;
    private HubGroup group;

    private volatile Hub hub;
    private volatile boolean started;
    private volatile boolean closed;
    private volatile InetSocketAddress bound;
    private volatile int connectionCount;
    private boolean stopping;
    /** Hub-group mode: the closed group was reported (once). */
    private boolean groupClosedReported;
    private ServerSocket listener;
    private Greenlet<Void> acceptor;
    private Event stoppedEvent;
    private final LinkedHashSet<Connection> connections = new LinkedHashSet<>();
    /** The strand waiting in {@link #stop} for the handlers to finish, or null. */
    private Strand stopWaiter;
    /** The connection whose handler is calling {@link #stop}, not waited for; or null. */
    private Connection stopperConnection;

    /**
     * Creates a server that will listen on {@code address} once {@link #start() started}.
     *
     * @param address where to listen; port 0 picks a free port, read it with {@link #port()} after start
     * @param handler serves each connection in its own greenlet
     */
    public StreamServer(InetSocketAddress address, Handler handler) {
        this.requested = Objects.requireNonNull(address, "address");
        this.handler = Objects.requireNonNull(handler, "handler");
    }

    // ---- options -----------------------------------------------------------------------------

    /**
     * Sets the listen backlog: how many connections the kernel queues before they are accepted.
     *
     * @param backlog a positive count; default {@value #DEFAULT_BACKLOG}
     * @return this server
     */
    public StreamServer backlog(int backlog) {
        checkNew("backlog");
        if (backlog <= 0) {
            throw new IllegalArgumentException("StreamServer backlog must be positive, got " + backlog);
        }
        this.backlog = backlog;
        return this;
    }

    /**
     * Sets what spawns the handler greenlets (gevent's {@code spawn=} argument): {@link Spawner#DEFAULT}
     * spawns on the server's hub; a {@code Pool} of size N caps the handlers at N, the accept loop
     * waiting for room meanwhile. The spawner must belong to the server's hub.
     *
     * @param spawner the spawner
     * @return this server
     */
    public StreamServer spawner(Spawner spawner) {
        checkNew("spawner");
        Objects.requireNonNull(spawner, "spawner");
        if (group != null && spawner != Spawner.DEFAULT) {
            throw new IllegalStateException(this + " serves on " + group + ", whose hubs spawn the handlers; a"
                    + " Spawner (a Pool) belongs to one hub and cannot be combined with hubGroup(...)");
        }
        this.spawner = spawner;
        return this;
    }

    /**
     * Serves on every hub of {@code group}: the accept loop stays on the server's hub and hands each
     * accepted connection to the next hub of the group (round-robin), where its handler greenlet runs
     * (see the class comment, "Hub-group mode"). Not combinable with a {@link #spawner(Spawner)} other
     * than the default. The server's hub may be one of the group's or another.
     *
     * @param group the hubs that run the handlers, or {@code null} for the server's hub alone (the default)
     * @return this server
     */
    public StreamServer hubGroup(HubGroup group) {
        checkNew("hubGroup");
        if (group != null && spawner != Spawner.DEFAULT) {
            throw new IllegalStateException(this + " has a Spawner (a Pool), which belongs to one hub; it cannot"
                    + " also serve on " + group + ". Use one or the other");
        }
        this.group = group;
        return this;
    }

    /**
     * Serves TLS: each accepted socket is wrapped in a server-mode {@link SSLSocket} made by this
     * context, and the handshake runs in the handler's greenlet before the handler is called (gevent's
     * {@code ssl_context=}).
     *
     * @param context an initialised context with the server's key material, or {@code null} for plain TCP
     * @return this server
     */
    public StreamServer sslContext(SSLContext context) {
        checkNew("sslContext");
        this.sslContext = context;
        return this;
    }

    /**
     * Sets a read timeout on each accepted socket ({@link Socket#setSoTimeout}): a read (the TLS
     * handshake included) that waits longer throws {@link SocketTimeoutException}. If that exception
     * escapes the handler the connection is closed as idle, without a report.
     *
     * @param timeout a positive duration, or {@code null} for none (the default)
     * @return this server
     */
    public StreamServer readTimeout(Duration timeout) {
        checkNew("readTimeout");
        if (timeout != null && timeout.toMillis() < 1) {
            throw new IllegalArgumentException("StreamServer readTimeout must be at least 1 ms (or null for none), got "
                    + timeout);
        }
        this.readTimeout = timeout;
        return this;
    }

    /**
     * Sets how long {@link #close()} and the end of {@link #serveForever()} let running handlers finish
     * before killing them (gevent's {@code stop_timeout}).
     *
     * @param timeout zero or more; default {@link #DEFAULT_STOP_TIMEOUT}
     * @return this server
     */
    public StreamServer stopTimeout(Duration timeout) {
        checkNew("stopTimeout");
        if (Objects.requireNonNull(timeout, "timeout").isNegative()) {
            throw new IllegalArgumentException("StreamServer stopTimeout must not be negative, got " + timeout);
        }
        this.stopTimeout = timeout;
        return this;
    }

    /** Replaces how the listening socket is made; package-private, for tests. */
    StreamServer listenerFactory(ListenerFactory factory) {
        checkNew("listenerFactory");
        this.listenerFactory = Objects.requireNonNull(factory, "factory");
        return this;
    }

    private void checkNew(String option) {
        if (hub != null || closed) {
            throw new IllegalStateException("StreamServer " + requested + ": " + option + " can only be set before"
                    + " start(); this server is " + (closed ? "closed" : "started") + ". Configure a new StreamServer.");
        }
    }

    // ---- life cycle --------------------------------------------------------------------------

    /**
     * Binds the listening socket and spawns the accept loop on the calling thread's hub. Does nothing
     * if the server is already started. The accept loop runs once this thread blocks in a gevent4j call.
     *
     * @return this server
     * @throws BindException if the address cannot be bound (in use, not local), naming it
     * @throws IOException if the listening socket cannot be created
     * @throws IllegalStateException if the server was closed
     */
    public StreamServer start() throws IOException {
        if (closed) {
            throw new IllegalStateException(this + " is closed and cannot be started again; create a new StreamServer");
        }
        if (hub != null) {
            hub.checkInHub(this);
            return this;
        }
        Hub owner = Hub.current();
        ServerSocket socket = listenerFactory.create();
        try {
            socket.setReuseAddress(true);
            socket.bind(requested, backlog);
        } catch (IOException e) {
            closeListener(socket, owner);
            if (e instanceof BindException) {
                BindException named = new BindException("gevent4j: StreamServer cannot listen on " + requested + ": "
                        + e.getMessage() + "; choose another port (0 picks a free one) or stop what holds this one");
                named.initCause(e);
                throw named;
            }
            throw e;
        }
        listener = socket;
        LISTENING.add(this);
        bound = (InetSocketAddress) socket.getLocalSocketAddress();
        stoppedEvent = new Event();
        hub = owner;
        started = true;
        acceptor = Gevent.spawn(this::acceptLoop);
        acceptor.name("StreamServer-accept " + bound);
        // However the accept greenlet ends (stop(), or a kill from elsewhere such as Hub.close(), even
        // before it ran), the port is released; a raw link runs synchronously as it dies.
        acceptor.rawlink(dead -> {
            started = false;
            closeListener(socket, owner);
        });
        return this;
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
        if (!started && !closed) {
            start();
        }
        if (hub == null) {
            return;
        }
        hub.checkInHub(this);
        try {
            stoppedEvent.await();
        } finally {
            if (!closed) {
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
     * Stops accepting at once and closes the listening socket (new connections are refused), then
     * waits up to {@code gracefulTimeout} for the running handlers to return, then kills those still
     * running (raising {@link GreenletExit} in them and closing their sockets) and waits briefly for
     * them to die. A handler that calls this is neither waited for nor killed. Returns at once if the
     * server is already closed; waits for a stop already in progress. Any thread: from another thread
     * the work is done on the server's hub, whose thread must be running its loop.
     *
     * @param gracefulTimeout how long running handlers may take to finish; zero kills them at once
     * @throws InterruptedException if interrupted while waiting
     */
    public void stop(Duration gracefulTimeout) throws InterruptedException {
        Objects.requireNonNull(gracefulTimeout, "gracefulTimeout");
        stop(gracefulTimeout, Greenlet.current());
    }

    /**
     * {@link #stop(Duration)} on behalf of {@code caller}, the greenlet that asked (possibly on another
     * hub, a handler in hub-group mode), which is neither waited for nor killed.
     */
    private void stop(Duration gracefulTimeout, Greenlet<?> caller) throws InterruptedException {
        Hub owner = hub;
        if (owner == null || closed) {
            closed = true;
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
        if (stopping) {
            stoppedEvent.await();
            return;
        }
        stopping = true;
        started = false;
        try {
            closeListener(listener, owner);
            Greenlet<?> me = caller;
            if (acceptor != me) {
                acceptor.kill(new GreenletExit("StreamServer stopped"), true, null);
            }
            waitForHandlers(me, gracefulTimeout);
            killHandlers(me);
        } finally {
            closed = true;
            stoppedEvent.set();
        }
    }

    /** The server's hub was closed or its thread ended: its greenlets are gone; release what is left. */
    private void stopDeadHub(Hub owner) {
        started = false;
        closed = true;
        closeListener(listener, owner);
        if (owner.inHub()) {
            for (Connection c : new ArrayList<>(connections)) {
                closeSocket(c.raw, c.peer);
                forget(c);
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

    private void waitForHandlers(Greenlet<?> me, Duration gracefulTimeout) throws InterruptedException {
        stopperConnection = null;
        for (Connection c : connections) {
            if (c.greenlet != null && c.greenlet == me) {
                stopperConnection = c;
            }
        }
        stopWaiter = Strand.current();
        try {
            Waits.parkUntil(this, gracefulTimeout, () -> othersRunning() == 0);
        } finally {
            stopWaiter = null;
        }
    }

    private int othersRunning() {
        int n = connections.size();
        return stopperConnection != null && connections.contains(stopperConnection) ? n - 1 : n;
    }

    private void killHandlers(Greenlet<?> me) throws InterruptedException {
        List<Connection> left = new ArrayList<>(connections);
        left.remove(stopperConnection);
        if (left.isEmpty()) {
            return;
        }
        List<Greenlet<?>> victims = new ArrayList<>(left.size());
        for (Connection c : left) {
            if (c.greenlet != null && c.greenlet != me) {
                c.greenlet.kill(new GreenletExit("StreamServer " + bound + " stopped"), false, null);
                victims.add(c.greenlet);
            }
            // A handler blocked in socket I/O fails at once; one that never ran still gets its socket closed.
            closeSocket(c.raw, c.peer);
        }
        if (group != null) {
            awaitRemoteHandlers();
            return;
        }
        List<Greenlet<?>> dead = Gevent.joinAll(victims, KILL_WAIT);
        for (Connection c : left) {
            if (c.greenlet == null || c.greenlet.dead()) {
                forget(c);
            }
        }
        if (dead.size() < victims.size()) {
            hub.reportError(this, new IllegalStateException((victims.size() - dead.size()) + " handler(s) of " + this
                    + " still run " + KILL_WAIT.toMillis() + " ms after being killed (they catch GreenletExit or never"
                    + " wait); their sockets are closed. Let GreenletExit propagate out of handlers"));
        }
    }

    /**
     * Hub-group mode: the killed handlers run on other hubs, and each one's end comes back as a
     * {@link #forget} callback; wait for those, then report the handlers that outlive the wait.
     */
    private void awaitRemoteHandlers() throws InterruptedException {
        stopWaiter = Strand.current();
        try {
            Waits.parkUntil(this, KILL_WAIT, () -> othersRunning() == 0);
        } finally {
            stopWaiter = null;
        }
        int left = othersRunning();
        if (left > 0) {
            hub.reportError(this, new IllegalStateException(left + " handler(s) of " + this + " on " + group
                    + " still run " + KILL_WAIT.toMillis() + " ms after being killed (they catch GreenletExit or never"
                    + " wait); their sockets are closed. Let GreenletExit propagate out of handlers"));
        }
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
     * Whether the server accepts connections: true from {@link #start()} until a stop begins or the
     * accept loop ends (gevent's {@code started}). Any thread.
     *
     * @return true while accepting
     */
    public boolean started() {
        return started;
    }

    /**
     * Whether the server was stopped or closed (gevent's {@code closed}); a closed server cannot be
     * started again. Any thread.
     *
     * @return true once stopped
     */
    public boolean closed() {
        return closed;
    }

    /**
     * The number of connections accepted and not yet closed (handlers running, or waiting for room in
     * a bounded spawner). Any thread.
     *
     * @return the open connections
     */
    public int connectionCount() {
        return connectionCount;
    }

    /**
     * The hub the server was started on: its accept loop and handlers run there.
     *
     * @return the hub, or {@code null} before start
     */
    public Hub hub() {
        return hub;
    }

    // ---- accept loop -------------------------------------------------------------------------

    private void acceptLoop() throws InterruptedException {
        try {
            acceptUntilStopped();
        } catch (RuntimeException | Error e) {
            if (e instanceof GreenletExit) {
                throw e;
            }
            hub.reportError(this + ": the accept loop", e);
            if (!stopping) {
                Gevent.spawn(() -> stop(stopTimeout)).name("StreamServer-stop " + bound);
            }
        }
    }

    private void acceptUntilStopped() throws InterruptedException {
        long delayMs = 0;
        while (!stopping) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException e) {
                Strand.current().throwPending();
                if (stopping) {
                    return;
                }
                if (listener.isClosed()) {
                    hub.reportError(this + ": accept", new IllegalStateException("the listening socket was closed"
                            + " outside stop() (was the accept greenlet interrupted?); the server stops now", e));
                    Gevent.spawn(() -> stop(stopTimeout)).name("StreamServer-stop " + bound);
                    return;
                }
                if (delayMs == 0) {
                    hub.reportError(this + ": accept", new IOException("accept failed (" + e.getMessage()
                            + "); retrying after " + MIN_ACCEPT_DELAY_MS + " ms, then up to every "
                            + MAX_ACCEPT_DELAY_MS + " ms while it keeps failing; this is reported once per episode."
                            + " If it says 'Too many open files', raise the limit (ulimit -n) or cap handlers with a"
                            + " Pool", e));
                    delayMs = MIN_ACCEPT_DELAY_MS;
                } else {
                    delayMs = Math.min(delayMs * 2, MAX_ACCEPT_DELAY_MS);
                }
                Gevent.sleep(delayMs);
                continue;
            }
            delayMs = 0;
            dispatch(socket);
        }
    }

    private void dispatch(Socket socket) throws InterruptedException {
        InetSocketAddress peer = (InetSocketAddress) socket.getRemoteSocketAddress();
        if (stopping || peer == null) {
            closeSocket(socket, peer);
            return;
        }
        Connection c = new Connection(socket, peer);
        connections.add(c);
        connectionCount++;
        if (group != null) {
            handOver(c);
            return;
        }
        Greenlet<?> g;
        try {
            g = spawner.spawn(() -> serve(c));
        } catch (GreenletExit | InterruptedException e) {
            forget(c);
            closeSocket(socket, peer);
            throw e;
        } catch (RuntimeException | Error e) {
            forget(c);
            closeSocket(socket, peer);
            hub.reportError(this + ": spawning the handler for " + peer, e);
            return;
        }
        if (connections.contains(c)) {
            c.greenlet = g;
            g.name("StreamServer-handler " + peer);
        }
    }

    /**
     * Hub-group mode: spawns the handler on the next hub of the group. However that greenlet ends (it
     * returns, it is killed by a stop, or its hub closes before it ran) its future completes, which
     * closes the socket (again, harmlessly, if the handler ran) and tells this hub to forget the
     * connection. A closed group takes nothing: the socket is closed here, and the server stops.
     */
    private void handOver(Connection c) {
        Greenlet<?> g;
        try {
            g = group.spawn(() -> serve(c));
        } catch (IllegalStateException refused) {
            forget(c);
            closeSocket(c.raw, c.peer);
            if (!group.isClosed()) {
                // one member hub refused (its loop ended by an error): this connection is lost, the others go on
                hub.reportError(this + ": handing " + c.peer + " over; the connection is closed", refused);
                return;
            }
            if (!stopping && !groupClosedReported) {
                groupClosedReported = true;
                hub.reportError(this + ": handing " + c.peer + " over", new IllegalStateException("the hub group "
                        + group + " that serves the connections is closed; the server stops now", refused));
                Gevent.spawn(() -> stop(stopTimeout)).name("StreamServer-stop " + bound);
            }
            return;
        }
        c.greenlet = g;
        Hub home = hub;
        // serve() reports every handler failure itself, so this greenlet only returns or is killed; a kill
        // completes the future with a CancellationException, an expected end here, not an error to report.
        g.toCompletableFuture().whenComplete((value, killed) -> {
            closeSocket(c.raw, c.peer);
            home.callSoonThreadsafe(() -> forget(c));
        });
    }

    // ---- one connection ----------------------------------------------------------------------

    private Void serve(Connection c) {
        Socket socket = c.raw;
        if (group != null) {
            Greenlet.current().name("StreamServer-handler " + c.peer); // on its own hub, where its name is kept
        }
        try {
            if (readTimeout != null) {
                socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, readTimeout.toMillis()));
            }
            if (sslContext != null) {
                SSLSocket tls = (SSLSocket) sslContext.getSocketFactory()
                        .createSocket(socket, c.peer.getHostString(), c.peer.getPort(), true);
                tls.setUseClientMode(false);
                socket = tls;
                tls.startHandshake();
            }
            handler.handle(socket, c.peer);
        } catch (GreenletExit exit) {
            throw exit;
        } catch (Throwable error) {
            Throwable cause = raisedInstead(error);
            if (!(cause instanceof SocketTimeoutException && readTimeout != null)) {
                hub.reportError(this + ": handler for " + c.peer, cause);
            }
        } finally {
            closeSocket(socket, c.peer);
            if (socket != c.raw) {
                closeSocket(c.raw, c.peer);
            }
            if (group == null) {
                forget(c); // in hub-group mode the server's hub forgets it, told by handOver's future
            }
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

    private void forget(Connection c) {
        if (connections.remove(c)) {
            connectionCount--;
            Strand waiter = stopWaiter;
            if (waiter != null && othersRunning() == 0) {
                waiter.unpark();
            }
        }
    }

    private void closeSocket(Socket socket, InetSocketAddress peer) {
        try {
            socket.close();
        } catch (IOException e) {
            hub.reportError(this + ": closing the connection of " + peer, e);
        }
    }

    private void closeListener(ServerSocket socket, Hub owner) {
        if (socket == listener) {
            LISTENING.remove(this);
        }
        try {
            socket.close();
        } catch (IOException e) {
            owner.reportError(this + ": closing the listening socket", e);
        }
    }

    /**
     * The servers of this process whose listening socket is open (started and not yet stopped), for leak
     * checks such as {@code io.gevent4j.testing.GeventLeakCheck}. Any thread.
     *
     * @return a snapshot
     */
    public static List<StreamServer> listening() {
        return List.copyOf(LISTENING);
    }

    @Override
    public String toString() {
        return "StreamServer[" + address() + (sslContext != null ? ", TLS" : "") + "]";
    }
}
