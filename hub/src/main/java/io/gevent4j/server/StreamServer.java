package io.gevent4j.server;

import io.gevent4j.Gevent;
import io.gevent4j.Hub;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Objects;

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
 * The life cycle, the stop and where handlers run are {@link BaseServer}'s (see its diagram).
 * Options ({@link #backlog}, {@link #spawner}, {@link #sslContext}, {@link #readTimeout},
 * {@link #stopTimeout}) are set while NEW. {@link #start()} binds the listening socket and spawns the
 * accept loop as a greenlet on the hub of the calling thread (the server's hub); the loop runs once
 * that thread blocks in a gevent4j call ({@link #serveForever()}, a join, a sleep...).
 * {@link #stop(Duration)} stops accepting at once and closes the listening socket (new connections
 * are refused), waits up to the given time for the running handlers to return, then kills the rest.
 * A closed server cannot be started again: create a new one.
 *
 * <h2>Connections</h2>
 * Each accepted connection is handled in a greenlet made by the {@link io.gevent4j.pool.Spawner} (by default a plain
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
public final class StreamServer extends BaseServer<StreamServer> {
    /** The listen backlog used unless {@link #backlog(int)} says otherwise (gevent's default). */
    public static final int DEFAULT_BACKLOG = 256;
    /** The first pause after a failed accept. */
    static final long MIN_ACCEPT_DELAY_MS = 10;
    /** The longest pause between retries of a failing accept. */
    static final long MAX_ACCEPT_DELAY_MS = 1000;

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

    private final Handler handler;
    private int backlog = DEFAULT_BACKLOG;
    private SSLContext sslContext;
    private Duration readTimeout;
    private ListenerFactory listenerFactory = ServerSocket::new;
    private ServerSocket listener;

    /**
     * Creates a server that will listen on {@code address} once {@link #start() started}.
     *
     * @param address where to listen; port 0 picks a free port, read it with {@link #port()} after start
     * @param handler serves each connection in its own greenlet
     */
    public StreamServer(InetSocketAddress address, Handler handler) {
        super(address);
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

    /** Replaces how the listening socket is made; package-private, for tests. */
    StreamServer listenerFactory(ListenerFactory factory) {
        checkNew("listenerFactory");
        this.listenerFactory = Objects.requireNonNull(factory, "factory");
        return this;
    }

    // ---- the socket and the accept loop ------------------------------------------------------

    @Override
    String kind() {
        return "StreamServer";
    }

    @Override
    String loopName() {
        return "the accept loop";
    }

    @Override
    InetSocketAddress bind() throws IOException {
        ServerSocket socket = listenerFactory.create();
        try {
            socket.setReuseAddress(true);
            socket.bind(requested(), backlog);
        } catch (IOException e) {
            close(socket, Hub.current());
            if (e instanceof BindException) {
                BindException named = new BindException("gevent4j: StreamServer cannot listen on " + requested() + ": "
                        + e.getMessage() + "; choose another port (0 picks a free one) or stop what holds this one");
                named.initCause(e);
                throw named;
            }
            throw e;
        }
        listener = socket;
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    @Override
    void closeSocket() {
        if (listener != null) {
            close(listener, hub());
        }
    }

    private void close(ServerSocket socket, Hub owner) {
        try {
            socket.close();
        } catch (IOException e) {
            owner.reportError(this + ": closing the listening socket", e);
        }
    }

    @Override
    void serveLoop() throws InterruptedException {
        long delayMs = 0;
        while (!stopping()) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException e) {
                if (loopMustEnd("accept", listener.isClosed(), e)) {
                    return;
                }
                if (delayMs == 0) {
                    hub().reportError(this + ": accept", new IOException("accept failed (" + e.getMessage()
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
            InetSocketAddress peer = (InetSocketAddress) socket.getRemoteSocketAddress();
            Connection c = new Connection(socket, peer);
            if (peer == null) {
                c.release();
                continue;
            }
            dispatch(c);
        }
    }

    // ---- one connection ----------------------------------------------------------------------

    /** One accepted connection, from accept to close. */
    private final class Connection extends Job {
        final Socket raw;
        final InetSocketAddress peer;
        /** The TLS socket layered on {@link #raw}, once made. */
        volatile Socket tls;

        Connection(Socket raw, InetSocketAddress peer) {
            this.raw = raw;
            this.peer = peer;
        }

        @Override
        void run() throws Exception {
            Socket socket = raw;
            if (readTimeout != null) {
                socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, readTimeout.toMillis()));
            }
            if (sslContext != null) {
                SSLSocket secure = (SSLSocket) sslContext.getSocketFactory()
                        .createSocket(socket, peer.getHostString(), peer.getPort(), true);
                secure.setUseClientMode(false);
                tls = secure;
                socket = secure;
                secure.startHandshake();
            }
            handler.handle(socket, peer);
        }

        @Override
        boolean quiet(Throwable error) {
            return error instanceof SocketTimeoutException && readTimeout != null;
        }

        @Override
        void release() {
            Socket layered = tls;
            if (layered != null) {
                closeQuietlyReported(layered);
            }
            closeQuietlyReported(raw);
        }

        private void closeQuietlyReported(Socket socket) {
            try {
                socket.close();
            } catch (IOException e) {
                hub().reportError(StreamServer.this + ": closing the connection of " + peer, e);
            }
        }

        @Override
        String greenletName() {
            return "StreamServer-handler " + peer;
        }

        @Override
        String describe() {
            return String.valueOf(peer);
        }
    }

    // ---- state -------------------------------------------------------------------------------

    /**
     * The number of connections accepted and not yet closed (handlers running, or waiting for room in
     * a bounded spawner). Any thread.
     *
     * @return the open connections
     */
    public int connectionCount() {
        return jobCount();
    }

    @Override
    public String toString() {
        return "StreamServer[" + address() + (sslContext != null ? ", TLS" : "") + "]";
    }
}
