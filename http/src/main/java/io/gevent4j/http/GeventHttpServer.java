package io.gevent4j.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import io.gevent4j.HubGroup;
import io.gevent4j.Timeout;
import io.gevent4j.core.GreenletExit;
import io.gevent4j.pool.Pool;
import io.gevent4j.pool.Spawner;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An HTTP/1.1 server whose handlers are plain blocking code running as greenlets: gevent's
 * {@code pywsgi.WSGIServer} for the JVM, built on the JDK's {@code com.sun.net.httpserver} (which
 * parses HTTP; nothing here does).
 * <pre>{@code
 * GeventHttpServer server = GeventHttpServer.builder(new InetSocketAddress(8080))
 *         .handler("/", exchange -> {                       // a com.sun.net.httpserver.HttpHandler
 *             Thread.sleep(10);                             // cooperative under the agent
 *             byte[] body = "Hello, World!".getBytes();
 *             exchange.sendResponseHeaders(200, body.length);
 *             exchange.getResponseBody().write(body);
 *         })
 *         .build();
 * server.start();
 * server.serveForever();                                   // until stop(), from anywhere
 * }</pre>
 *
 * <h2>How it runs</h2>
 * The JDK server's dispatcher thread accepts connections and waits for requests; each request (the
 * JDK's exchange task: reading the request line and headers, the handler, the response) runs as a
 * greenlet through a greenlet executor: {@link Hub#executor()} of the hub that calls {@link #start()},
 * or with {@link Builder#hubGroup} on every hub of the group (all cores).
 * Under the agent the dispatcher loop itself runs as a greenlet of the hub that runs its requests (its
 * {@code Selector} waits in the hub's epoll), so a request needs no wake-up of another thread; a hub
 * group then gets one JDK server per hub, all listening on one port ({@code SO_REUSEPORT}; the kernel
 * spreads the connections). In API mode the dispatcher is the JDK's own thread, and a group is served by
 * one JDK server that hands requests to its hubs in turn.
 * The JDK serves keep-alive (HTTP/1.1 by default; HTTP/1.0 with {@code Connection: keep-alive}) and
 * answers pipelined requests one after the other, in order.
 *
 * <h2>gevent's knobs</h2>
 * <ul>
 * <li>{@link Builder#poolSize(int)} bounds the requests handled at once (gevent's {@code spawn=Pool(n)}):
 *     when full, the JDK's dispatcher waits for room, so new requests queue in the kernel.</li>
 * <li>{@link Builder#keepAlive(boolean)}: off answers every response with {@code Connection: close}.</li>
 * <li>{@link Builder#readTimeout(Duration)}: a request whose line and headers are not read within it
 *     (a slowloris) has its connection closed; other requests are not held up meanwhile.</li>
 * <li>{@link Builder#tls(SSLContext)}: HTTPS through the JDK's {@code HttpsServer}.</li>
 * <li>{@link #stop(Duration)}: graceful; no new connections, in-flight requests finish, then the rest is cut.</li>
 * <li>{@link Builder#accessLog(PrintStream)}: one line per request in pywsgi's format
 *     ({@code 127.0.0.1 - - [2026-12-03 14:20:00] "GET / HTTP/1.1" 200 13 0.010123}), to
 *     {@code System.err} by default as pywsgi's {@code log=sys.stderr}; {@code null} turns it off.</li>
 * <li>A handler exception before the response began becomes a {@code 500} (and is reported with its
 *     stack); the server keeps serving. After the response began, the connection is closed.</li>
 * <li>Malformed requests are the JDK's to answer: a bad request line or a bad {@code Content-Length}
 *     gets {@code 400}. Headers larger than {@link Builder#maxHeaderBytes} (default 64 KiB) or more than
 *     {@link Builder#maxHeaderCount} fields (default 100) get {@code 431} from this server; the JDK
 *     itself closes, without an answer, a request whose headers exceed its own limits
 *     ({@code sun.net.httpserver.maxReqHeaderSize}, 380 KiB, and {@code sun.net.httpserver.maxReqHeaders},
 *     200 fields, by default), so keep ours below those (see {@code docs/serving.md}).</li>
 * </ul>
 *
 * <h2>JDK settings</h2>
 * The JDK server reads its settings from system properties once, when the process's first JDK server
 * is created. Unless set on the command line, this class sets {@code sun.net.httpserver.maxIdleConnections}
 * to 100000 (the JDK's 200 closes the keep-alive connections of any further clients after each
 * response) and {@code sun.net.httpserver.nodelay} to true, when it is loaded; a JDK server created
 * earlier in the process fixes them before that. {@code sun.net.httpserver.idleInterval} (30 s) is the
 * keep-alive idle timeout.
 *
 * <h2>Life cycle (one field)</h2>
 * <pre>
 *   NEW --start()--> SERVING --stop(grace)--> STOPPING --in-flight requests done or cut--> CLOSED
 *    '--------------------------------stop()----------------------------------------------'
 * </pre>
 * All methods may be called from any thread or greenlet.
 */
public final class GeventHttpServer implements AutoCloseable {
    /** Default of {@link Builder#maxHeaderBytes}. */
    public static final int DEFAULT_MAX_HEADER_BYTES = 64 * 1024;
    /** Default of {@link Builder#maxHeaderCount}. */
    public static final int DEFAULT_MAX_HEADER_COUNT = 100;

    private enum State { NEW, SERVING, STOPPING, CLOSED }

    /** The JDK server's settings this server changes when the user has not set them (see the class comment). */
    static final Map<String, String> JDK_DEFAULTS = Map.of(
            // the JDK keeps at most 200 idle keep-alive connections and closes the others after each
            // response: with more clients than that, every response costs a reconnect
            "sun.net.httpserver.maxIdleConnections", "100000",
            // small responses go out at once instead of waiting for Nagle's algorithm
            "sun.net.httpserver.nodelay", "true");

    static {
        // read once by the JDK, when its first server is created: set before that, a user's -D wins
        for (Map.Entry<String, String> e : JDK_DEFAULTS.entrySet()) {
            if (System.getProperty(e.getKey()) == null) {
                System.setProperty(e.getKey(), e.getValue());
            }
        }
    }

    private final InetSocketAddress requested;
    private final Map<String, HttpHandler> handlers;
    private final HubGroup group;
    private final int poolSize;
    private final Spawner spawner;
    private final boolean keepAlive;
    private final Duration readTimeout;
    private final SSLContext sslContext;
    private final PrintStream accessLog;
    private final int maxHeaderBytes;
    private final int maxHeaderCount;
    private final int backlog;

    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    /** The JDK servers serving, set by start: one, or on a hub group one per hub when they can share the port. */
    private volatile List<Listener> listeners = List.of();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();

    private GeventHttpServer(Builder b) {
        this.requested = b.address;
        this.handlers = new LinkedHashMap<>(b.handlers);
        this.group = b.group;
        this.poolSize = b.poolSize;
        this.spawner = b.spawner;
        this.keepAlive = b.keepAlive;
        this.readTimeout = b.readTimeout;
        this.sslContext = b.sslContext;
        this.accessLog = b.accessLog;
        this.maxHeaderBytes = b.maxHeaderBytes;
        this.maxHeaderCount = b.maxHeaderCount;
        this.backlog = b.backlog;
    }

    /**
     * Starts configuring a server.
     *
     * @param address where to listen; port 0 picks a free port, read it with {@link #port()} after start
     * @return a builder
     */
    public static Builder builder(InetSocketAddress address) {
        return new Builder(address);
    }

    /** Configures a {@link GeventHttpServer}; every option has gevent's default. */
    public static final class Builder {
        private final InetSocketAddress address;
        private final Map<String, HttpHandler> handlers = new LinkedHashMap<>();
        private HubGroup group;
        private int poolSize;
        private Spawner spawner;
        private boolean keepAlive = true;
        private Duration readTimeout;
        private SSLContext sslContext;
        private PrintStream accessLog = System.err;
        private int maxHeaderBytes = DEFAULT_MAX_HEADER_BYTES;
        private int maxHeaderCount = DEFAULT_MAX_HEADER_COUNT;
        private int backlog = 1024;

        private Builder(InetSocketAddress address) {
            this.address = Objects.requireNonNull(address, "address");
        }

        /**
         * Serves requests whose path starts with {@code pathPrefix} with {@code handler} (the longest
         * matching prefix wins, as the JDK's contexts do). The handler is plain blocking code; it runs
         * in a greenlet per request. Closing the exchange is optional: the server closes it after.
         *
         * @param pathPrefix a path such as {@code "/"} or {@code "/api/"}
         * @param handler the JDK handler interface
         * @return this builder
         */
        public Builder handler(String pathPrefix, HttpHandler handler) {
            Objects.requireNonNull(pathPrefix, "pathPrefix");
            if (!pathPrefix.startsWith("/")) {
                throw new IllegalArgumentException("a handler's path prefix starts with '/', got \"" + pathPrefix + "\"");
            }
            if (handlers.putIfAbsent(pathPrefix, Objects.requireNonNull(handler, "handler")) != null) {
                throw new IllegalArgumentException("a handler for \"" + pathPrefix + "\" is already set");
            }
            return this;
        }

        /**
         * Handles the requests on every hub of {@code group} (all cores) instead of the hub that calls
         * {@link #start()}. Handlers then run on several threads: what they share must be thread-safe.
         *
         * @param group a running group, or {@code null} for the starting thread's hub (the default)
         * @return this builder
         */
        public Builder hubGroup(HubGroup group) {
            this.group = group;
            return this;
        }

        /**
         * Bounds how many requests are handled at once (gevent's {@code spawn=Pool(size)}): on one hub, the
         * server makes that {@link io.gevent4j.pool.Pool} when it starts; on a hub group, the bound is over
         * the whole group. When full the JDK's dispatcher waits for a free slot, so further requests wait
         * in the kernel's queues. {@link #spawner(Spawner)} gives a pool of your own instead.
         *
         * @param size a positive bound, or 0 for none (the default)
         * @return this builder
         */
        public Builder poolSize(int size) {
            if (size < 0) {
                throw new IllegalArgumentException("poolSize must be 0 (no bound) or positive, got " + size);
            }
            this.poolSize = size;
            return this;
        }

        /**
         * What spawns the request greenlets (gevent's {@code spawn=} argument): typically a
         * {@link io.gevent4j.pool.Pool}, which bounds the requests handled at once, or a
         * {@link io.gevent4j.pool.Group}. When it is full the JDK's dispatcher waits for room, so new
         * requests wait in the kernel's queues. It belongs to the hub that calls {@link #start()} (make it
         * there), so it cannot be combined with {@link #hubGroup}. A stop kills what is still in the group
         * after the grace, as gevent's {@code server.stop()} kills its pool.
         *
         * @param spawner a pool, a group or any spawner, or {@code null} for plain greenlets (the default)
         * @return this builder
         */
        public Builder spawner(Spawner spawner) {
            this.spawner = spawner;
            return this;
        }

        /**
         * Whether connections stay open between requests (HTTP keep-alive, on by default as in pywsgi).
         *
         * @param on false to answer every response with {@code Connection: close}
         * @return this builder
         */
        public Builder keepAlive(boolean on) {
            this.keepAlive = on;
            return this;
        }

        /**
         * Closes the connection of a request whose request line and headers are not read within
         * {@code timeout} of its first byte (a slow or stalled client).
         *
         * @param timeout a positive duration, or {@code null} for none (the default)
         * @return this builder
         */
        public Builder readTimeout(Duration timeout) {
            if (timeout != null && timeout.toMillis() < 1) {
                throw new IllegalArgumentException("readTimeout must be at least 1 ms (or null for none), got " + timeout);
            }
            this.readTimeout = timeout;
            return this;
        }

        /**
         * Serves HTTPS with {@code context} (the JDK's {@code HttpsServer}); the handshake runs in the
         * request's greenlet.
         *
         * @param context an initialised context with the server's key material, or {@code null} for HTTP
         * @return this builder
         */
        public Builder tls(SSLContext context) {
            this.sslContext = context;
            return this;
        }

        /**
         * Where the access log goes: one line per request in pywsgi's format.
         *
         * @param out a stream ({@code System.err} by default), or {@code null} for no access log
         * @return this builder
         */
        public Builder accessLog(PrintStream out) {
            this.accessLog = out;
            return this;
        }

        /**
         * The largest request header block answered normally; a larger one gets {@code 431}. Keep it
         * below the JDK's own limit ({@code sun.net.httpserver.maxReqHeaderSize}, 380 KiB by default),
         * above which the JDK closes the connection without an answer.
         *
         * @param bytes a positive size; default {@value #DEFAULT_MAX_HEADER_BYTES}
         * @return this builder
         */
        public Builder maxHeaderBytes(int bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("maxHeaderBytes must be positive, got " + bytes);
            }
            this.maxHeaderBytes = bytes;
            return this;
        }

        /**
         * The most header fields answered normally; more get {@code 431}. Keep it below the JDK's own
         * limit ({@code sun.net.httpserver.maxReqHeaders}, 200 by default).
         *
         * @param count a positive count; default {@value #DEFAULT_MAX_HEADER_COUNT}
         * @return this builder
         */
        public Builder maxHeaderCount(int count) {
            if (count <= 0) {
                throw new IllegalArgumentException("maxHeaderCount must be positive, got " + count);
            }
            this.maxHeaderCount = count;
            return this;
        }

        /**
         * The listen backlog.
         *
         * @param backlog a positive count; default 1024
         * @return this builder
         */
        public Builder backlog(int backlog) {
            if (backlog <= 0) {
                throw new IllegalArgumentException("backlog must be positive, got " + backlog);
            }
            this.backlog = backlog;
            return this;
        }

        /**
         * Makes the server (not started).
         *
         * @return the server
         * @throws IllegalStateException if no handler was set
         */
        public GeventHttpServer build() {
            if (handlers.isEmpty()) {
                throw new IllegalStateException("a GeventHttpServer needs at least one handler: builder.handler(\"/\", h)");
            }
            if (spawner != null && group != null) {
                throw new IllegalStateException("a GeventHttpServer with a spawner (a Pool) runs its requests on the"
                        + " spawner's hub; it cannot be combined with hubGroup(...): use poolSize(n) to bound a group");
            }
            if (spawner != null && poolSize > 0) {
                throw new IllegalStateException("a GeventHttpServer takes spawner(...) or poolSize(n), not both:"
                        + " give the pool its size, new Pool(n)");
            }
            return new GeventHttpServer(this);
        }
    }

    // ---- life cycle --------------------------------------------------------------------------

    /**
     * Binds the port and starts serving. Without a hub group the requests run on the hub of the calling
     * thread, which must then run its loop (block in {@link #serveForever()}, a join, {@link Hub#run()}...).
     *
     * @return this server
     * @throws IOException if the address cannot be bound (naming it)
     * @throws IllegalStateException if the server was started before
     */
    public GeventHttpServer start() throws IOException {
        if (!state.compareAndSet(State.NEW, State.SERVING)) {
            throw new IllegalStateException(this + " was already started; a stopped server cannot be started again:"
                    + " build a new one");
        }
        try {
            listeners = group == null ? List.of(listenOnThisHub()) : listenOnGroup();
        } catch (IOException | RuntimeException | Error e) {
            state.set(State.CLOSED);
            stopped.complete(null);
            throw e;
        }
        return this;
    }

    /** One JDK server whose dispatcher and requests are greenlets of the calling thread's hub. */
    private Listener listenOnThisHub() throws IOException {
        Hub owner = Hub.current();
        Spawner requestSpawner = spawner;
        if (requestSpawner == null && poolSize > 0) {
            requestSpawner = new Pool(poolSize); // on this hub, the one that runs the requests
        }
        // the dispatcher can be a greenlet only if this thread runs the hub's loop (not a hub group's caller)
        return listen(owner, owner.executor(), requestSpawner, null, requested, false, owner.inHub());
    }

    /**
     * On a hub group: one JDK server per hub, all on one port ({@link SharedPort}), each server's dispatcher
     * a greenlet of its hub under the agent, so that every hub accepts, waits and answers on its own thread;
     * where ports cannot be shared, one JDK server whose platform dispatcher spreads the requests over the
     * group.
     */
    private List<Listener> listenOnGroup() throws IOException {
        java.util.concurrent.Semaphore slots = poolSize > 0 ? new java.util.concurrent.Semaphore(poolSize) : null;
        if (SharedPort.unavailable() != null) {
            return List.of(listen(group.hubs().get(0), group.executor(), null, slots, requested, false, false));
        }
        List<Listener> started = new java.util.ArrayList<>();
        InetSocketAddress address = requested;
        try {
            for (Hub h : group.hubs()) {
                InetSocketAddress bindTo = address;
                Listener l = onHub(h, () -> listen(h, h.executor(), null, slots, bindTo, true, true));
                started.add(l);
                // the first server's port (the real one when 0 was asked) is every other server's
                address = new InetSocketAddress(requested.getAddress(), l.port());
            }
        } catch (IOException | RuntimeException | Error e) {
            for (Listener l : started) {
                l.jdk.stop(0);
                l.greenlets.shutdownNow();
            }
            throw e;
        }
        return List.copyOf(started);
    }

    /** Runs {@code listen} in a greenlet of {@code hub} and waits for it, cooperatively on a hub. */
    private static Listener onHub(Hub hub, java.util.concurrent.Callable<Listener> listen) throws IOException {
        try {
            return awaitOnHub(hub.submit(listen));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException("gevent4j: starting a JDK server on " + hub + " failed", cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("gevent4j: interrupted while starting a JDK server on " + hub, e);
        }
    }

    /**
     * Creates, binds and starts one JDK server whose requests run through {@code greenlets} (or
     * {@code requestSpawner}); its dispatcher becomes a greenlet of {@code hub} if {@code dispatcherOnHub}
     * and the agent allow.
     */
    private Listener listen(Hub hub, ExecutorService greenlets, Spawner requestSpawner,
            java.util.concurrent.Semaphore slots, InetSocketAddress address, boolean sharePort, boolean dispatcherOnHub)
            throws IOException {
        com.sun.net.httpserver.HttpServer server;
        try {
            server = bind(address, sharePort);
        } catch (IOException | RuntimeException e) {
            greenlets.shutdown();
            throw e;
        }
        for (Map.Entry<String, HttpHandler> e : handlers.entrySet()) {
            server.createContext(e.getKey(), new Served(e.getValue()));
        }
        RequestExecutor requests = new RequestExecutor(hub, greenlets, requestSpawner, slots, readTimeout);
        server.setExecutor(requests);
        try {
            return new Listener(hub, server, greenlets, requests, startDispatcher(server, dispatcherOnHub));
        } catch (RuntimeException | Error e) {
            server.stop(0);
            greenlets.shutdownNow();
            throw e;
        } catch (Exception e) {
            server.stop(0);
            greenlets.shutdownNow();
            throw new IllegalStateException("gevent4j: " + this + " could not start the JDK server's dispatcher", e);
        }
    }

    /** A new JDK server (HTTPS with {@link Builder#tls}) bound to {@code address}, or a BindException that names it. */
    private com.sun.net.httpserver.HttpServer bind(InetSocketAddress address, boolean sharePort) throws IOException {
        com.sun.net.httpserver.HttpServer server;
        if (sslContext != null) {
            HttpsServer https = HttpsServer.create();
            https.setHttpsConfigurator(new HttpsConfigurator(sslContext));
            server = https;
        } else {
            server = com.sun.net.httpserver.HttpServer.create();
        }
        try {
            if (sharePort) {
                SharedPort.enable(server);
            }
            server.bind(address, backlog);
        } catch (IOException e) {
            server.stop(0); // an unbound JDK server has a selector and a timer thread already
            java.net.BindException named = new java.net.BindException("gevent4j: GeventHttpServer cannot listen on "
                    + address + ": " + e.getMessage() + "; choose another port (0 picks a free one) or stop what holds it");
            named.initCause(e);
            throw named;
        } catch (RuntimeException e) {
            server.stop(0);
            throw e;
        }
        return server;
    }

    /**
     * Starts the JDK server, whose {@code start()} starts its dispatcher thread: the loop that accepts
     * connections, waits in a {@code Selector} for requests on idle keep-alive connections, and hands each
     * request to the executor. When {@code onHub}, under the agent (patches {@code threadscope} and
     * {@code selector}), that thread starts as a greenlet of the hub that runs the server's requests: a
     * request then goes from readiness to handler to the next wait on one thread, with no wake-up of
     * another thread in between (the JDK's platform dispatcher costs two per request: handing the request
     * to the hub, and the finished exchange back to the dispatcher). A hub group gets that on every hub
     * from one JDK server per hub; one JDK server for a whole group keeps the JDK's own thread, which as a
     * greenlet would share one hub with that hub's requests (measured: no less CPU per request, a worse
     * p99). Without the agent it is always the JDK's thread.
     *
     * @return the dispatcher's greenlet, or {@code null} if the JDK started a platform thread
     */
    private static Greenlet<?> startDispatcher(com.sun.net.httpserver.HttpServer server, boolean onHub) throws Exception {
        if (!onHub) {
            server.start();
            return null;
        }
        return first(Gevent.startThreadsAsGreenlets(server::start));
    }

    private static Greenlet<?> first(List<Greenlet<?>> started) {
        return started.isEmpty() ? null : started.getFirst();
    }

    /**
     * Starts the server if needed, then waits cooperatively until it is stopped (gevent's
     * {@code serve_forever}); the hub keeps running the requests meanwhile.
     *
     * @throws IOException if starting fails
     * @throws InterruptedException if interrupted while serving
     */
    public void serveForever() throws IOException, InterruptedException {
        if (state.get() == State.NEW) {
            start();
        }
        awaitStopped();
    }

    /**
     * Stops gracefully: closes the listening socket at once (new connections are refused), lets the
     * requests in flight finish for up to {@code grace} (their responses are sent whole), then closes
     * the remaining connections and kills their greenlets. Waits for a stop already in progress.
     *
     * @param grace how long requests in flight may take; rounded up to whole seconds, as the JDK's stop is
     * @throws InterruptedException if interrupted while waiting
     */
    public void stop(Duration grace) throws InterruptedException {
        Objects.requireNonNull(grace, "grace");
        if (state.compareAndSet(State.NEW, State.CLOSED)) {
            stopped.complete(null);
            return;
        }
        if (!state.compareAndSet(State.SERVING, State.STOPPING)) {
            awaitStopped();
            return;
        }
        try {
            int seconds = (int) Math.min(Integer.MAX_VALUE, (grace.toMillis() + 999) / 1000);
            List<Listener> serving = listeners;
            // The JDK's stop waits on a latch for the requests in flight and joins its dispatcher: the
            // servers' stops run at once, so that the grace is the same for every server.
            List<CompletableFuture<Void>> stops = new java.util.ArrayList<>();
            for (Listener l : serving) {
                stops.add(l.stopAsync(seconds));
            }
            RuntimeException failed = null;
            for (CompletableFuture<Void> s : stops) {
                try {
                    awaitOnHub(s);
                } catch (ExecutionException e) {
                    RuntimeException f = new IllegalStateException("gevent4j: stopping a JDK server of " + this
                            + " failed; its port and connections may stay open", e.getCause());
                    if (failed == null) {
                        failed = f;
                    } else {
                        failed.addSuppressed(f);
                    }
                }
            }
            for (Listener l : serving) {
                l.finish();
            }
            if (failed != null) {
                throw failed;
            }
        } finally {
            state.set(State.CLOSED);
            stopped.complete(null);
        }
    }

    /**
     * Stops with a one-second grace (see {@link #stop(Duration)}).
     *
     * @throws InterruptedException if interrupted while waiting
     */
    @Override
    public void close() throws InterruptedException {
        stop(Duration.ofSeconds(1));
    }

    /**
     * Waits for {@code future}: parking cooperatively on a hub, plainly elsewhere.
     *
     * @return its value
     * @throws ExecutionException if it failed
     */
    private static <T> T awaitOnHub(CompletableFuture<T> future) throws InterruptedException, ExecutionException {
        if (Hub.currentOrNull() != null && Greenlet.current() == null) {
            // the hub's own thread: wait in a greenlet so that the loop runs meanwhile (success or failure)
            Gevent.spawn(() -> future.handle((value, failure) -> null).get()).get();
        }
        return future.get();
    }

    private void awaitStopped() throws InterruptedException {
        try {
            awaitOnHub(stopped);
        } catch (ExecutionException e) {
            throw new IllegalStateException("unreachable: the stop marker never fails", e);
        }
    }

    // ---- state -------------------------------------------------------------------------------

    /** {@return the port listened on: the real one after start, even when 0 was asked} */
    public int port() {
        List<Listener> serving = listeners;
        return serving.isEmpty() ? requested.getPort() : serving.getFirst().port();
    }

    /** {@return true between start and the beginning of a stop} */
    public boolean serving() {
        return state.get() == State.SERVING;
    }

    /** {@return true once stopped} */
    public boolean closed() {
        return state.get() == State.CLOSED;
    }

    /** {@return the requests being handled now (any thread)} */
    public int inFlight() {
        int n = 0;
        for (Listener l : listeners) {
            n += l.requests.inFlight();
        }
        return n;
    }

    /**
     * {@return how many JDK servers listen on the port: one, or one per hub of a hub group where the JDK
     * server's package is open to gevent4j (under the agent or the patched launch; see the class comment)}
     */
    public int jdkServers() {
        return listeners.size();
    }

    /** {@return how many of the JDK servers' dispatcher loops run as greenlets of their hubs (under the agent), for tests} */
    int dispatcherGreenlets() {
        int n = 0;
        for (Listener l : listeners) {
            n += l.dispatcher != null ? 1 : 0;
        }
        return n;
    }

    /** {@return the hub of the thread that started the server, whose greenlets run the requests; on a hub group, its first hub} */
    public Hub hub() {
        List<Listener> serving = listeners;
        return serving.isEmpty() ? null : serving.getFirst().hub;
    }

    @Override
    public String toString() {
        return "GeventHttpServer[" + (sslContext != null ? "https://" : "http://") + requested.getHostString() + ":"
                + port() + (group != null ? ", on " + group : "") + "]";
    }

    /**
     * One JDK server and what runs its requests: the whole server, or on a hub group with one JDK server
     * per hub, the part of its hub.
     */
    private static final class Listener {
        final Hub hub;
        final com.sun.net.httpserver.HttpServer jdk;
        final ExecutorService greenlets;
        final RequestExecutor requests;
        /** The JDK's dispatcher loop as a greenlet of {@link #hub}, or {@code null} if it is the JDK's platform thread. */
        final Greenlet<?> dispatcher;

        Listener(Hub hub, com.sun.net.httpserver.HttpServer jdk, ExecutorService greenlets, RequestExecutor requests,
                Greenlet<?> dispatcher) {
            this.hub = hub;
            this.jdk = jdk;
            this.greenlets = greenlets;
            this.requests = requests;
            this.dispatcher = dispatcher;
        }

        int port() {
            return jdk.getAddress().getPort();
        }

        /**
         * Starts the JDK's graceful stop, which blocks until the requests in flight are done or the grace is
         * over: on a hub in a greenlet of the calling thread's hub (its wait parks cooperatively, so that
         * hub keeps running requests), elsewhere on a thread of its own. Either way it needs no other
         * hub's loop, so it also stops a server whose hub is closing.
         */
        CompletableFuture<Void> stopAsync(int graceSeconds) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            Gevent.Task stop = () -> {
                try {
                    jdk.stop(graceSeconds);
                    done.complete(null);
                } catch (RuntimeException | Error e) {
                    done.completeExceptionally(e);
                }
            };
            if (Hub.currentOrNull() != null) {
                Gevent.spawn(stop);
            } else {
                Thread.ofPlatform().name("gevent4j-http-stop-" + port()).start(() -> {
                    try {
                        stop.run();
                    } catch (Exception e) {
                        done.completeExceptionally(e);
                    }
                });
            }
            return done;
        }

        /** After the JDK's stop: waits for the dispatcher loop, kills what the grace left, shuts the executor down. */
        void finish() throws InterruptedException {
            if (dispatcher != null) {
                // the JDK's stop ended its loop; it closes its selector on the way out
                dispatcher.join(Duration.ofSeconds(5));
            }
            requests.killSpawned();
            greenlets.shutdown();
            if (!greenlets.awaitTermination(1, TimeUnit.SECONDS)) {
                greenlets.shutdownNow();
                greenlets.awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    // ---- one request -------------------------------------------------------------------------

    /**
     * Wraps a user handler: ends the read timeout, applies the header limits, keep-alive off, the 500
     * on a handler exception, and the access log line.
     */
    private final class Served implements HttpHandler {
        private final HttpHandler handler;

        Served(HttpHandler handler) {
            this.handler = handler;
        }

        @Override
        public void handle(HttpExchange exchange) throws IOException {
            RequestExecutor.headersRead();
            long started = System.nanoTime();
            CountingOutputStream body = new CountingOutputStream(exchange.getResponseBody());
            exchange.setStreams(exchange.getRequestBody(), body);
            if (!keepAlive) {
                exchange.getResponseHeaders().set("Connection", "close");
            }
            try {
                String tooLarge = headerProblem(exchange);
                if (tooLarge != null) {
                    exchange.getResponseHeaders().set("Connection", "close");
                    sendText(exchange, 431, "Request Header Fields Too Large: " + tooLarge + "\n");
                    return;
                }
                handler.handle(exchange);
            } catch (GreenletExit killed) {
                throw killed; // a stop cut the request: the JDK closes the connection
            } catch (Throwable error) {
                failed(exchange, error);
            } finally {
                exchange.close();
                log(exchange, body.count(), started);
            }
        }

        private String headerProblem(HttpExchange exchange) {
            int fields = 0;
            long bytes = exchange.getRequestMethod().length() + exchange.getRequestURI().toString().length()
                    + exchange.getProtocol().length() + 4;
            for (Map.Entry<String, List<String>> h : exchange.getRequestHeaders().entrySet()) {
                for (String value : h.getValue()) {
                    fields++;
                    bytes += h.getKey().length() + value.length() + 4;
                }
            }
            if (bytes > maxHeaderBytes) {
                return "the request's headers are " + bytes + " bytes, more than this server's " + maxHeaderBytes;
            }
            if (fields > maxHeaderCount) {
                return "the request has " + fields + " header fields, more than this server's " + maxHeaderCount;
            }
            return null;
        }

        private void failed(HttpExchange exchange, Throwable error) {
            String peer = String.valueOf(exchange.getRemoteAddress());
            if (exchange.getResponseCode() == -1) {
                hub().reportError(GeventHttpServer.this + ": the handler for \"" + requestLine(exchange) + "\" from "
                        + peer + " (answered 500)", error);
                try {
                    exchange.getResponseHeaders().set("Connection", "close");
                    sendText(exchange, 500, "Internal Server Error\n");
                } catch (IOException lost) {
                    error.addSuppressed(lost); // the client is gone too; the connection is closed below
                }
            } else if (error instanceof IOException) {
                // the response had begun: almost always the client went away (reset, broken pipe)
                PrintStream log = accessLog;
                if (log != null) {
                    log.println(peer + " - - \"" + requestLine(exchange) + "\": connection lost while answering: " + error);
                }
            } else {
                hub().reportError(GeventHttpServer.this + ": the handler for \"" + requestLine(exchange) + "\" from "
                        + peer + " (after the response began; the connection is closed)", error);
            }
        }
    }

    private static void sendText(HttpExchange exchange, int status, String text) throws IOException {
        byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static String requestLine(HttpExchange exchange) {
        return exchange.getRequestMethod() + " " + exchange.getRequestURI() + " " + exchange.getProtocol();
    }

    private void log(HttpExchange exchange, long length, long startedNanos) {
        PrintStream out = accessLog;
        if (out != null) {
            out.println(AccessLog.line(exchange.getRemoteAddress(), java.time.LocalDateTime.now(), requestLine(exchange),
                    exchange.getResponseCode(), length, System.nanoTime() - startedNanos));
        }
    }

    /**
     * The executor given to the JDK: runs each request as a greenlet (through the spawner if there is
     * one, else the greenlet executor), bounds them, applies the read timeout. {@link #execute} is
     * called by the JDK's dispatcher: a greenlet of the hub under the agent, else the JDK's own thread.
     */
    static final class RequestExecutor implements Executor {
        private static final ThreadLocal<Timeout> READ_TIMEOUT = new ThreadLocal<>();

        private final Hub hub;
        private final ExecutorService greenlets;
        /** Spawns the requests on {@link #hub} (a Pool bounds them), or {@code null} for {@link #greenlets}. */
        private final Spawner spawner;
        /** The bound over a hub group ({@code poolSize}, shared by the group's JDK servers), or {@code null}. */
        private final java.util.concurrent.Semaphore slots;
        private final Duration readTimeout;
        private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();

        RequestExecutor(Hub hub, ExecutorService greenlets, Spawner spawner, java.util.concurrent.Semaphore slots,
                Duration readTimeout) {
            this.hub = hub;
            this.greenlets = greenlets;
            this.spawner = spawner;
            this.slots = slots;
            this.readTimeout = readTimeout;
        }

        @Override
        public void execute(Runnable exchange) {
            if (spawner != null) {
                if (hub.inHub()) {
                    spawn(exchange); // the dispatcher greenlet: a full pool parks it, so requests wait in the kernel
                } else {
                    // the JDK's platform dispatcher: it waits until the hub has found room and spawned
                    hub.submit(() -> {
                        spawn(exchange);
                        return null;
                    }).join();
                }
                return;
            }
            if (slots != null) {
                // the dispatcher (a greenlet, or the JDK's thread) waits here: the back-pressure of a full pool
                slots.acquireUninterruptibly();
            }
            inFlight.incrementAndGet();
            try {
                greenlets.execute(() -> run(exchange));
            } catch (RuntimeException rejected) {
                ended();
                throw rejected; // the JDK closes that connection
            }
        }

        /** On the hub: spawns the request through the spawner, waiting for room in a bounded one. */
        private void spawn(Runnable exchange) {
            inFlight.incrementAndGet();
            try {
                spawner.spawn(() -> {
                    run(exchange);
                    return null;
                });
            } catch (InterruptedException e) {
                ended();
                Thread.currentThread().interrupt();
                throw new java.util.concurrent.RejectedExecutionException("gevent4j: interrupted while waiting for room"
                        + " in " + spawner, e);
            } catch (RuntimeException | Error e) {
                ended();
                throw e; // the JDK closes that connection
            }
        }

        /** After a stop's grace: kills the requests still in the spawner's group, as gevent's server.stop() kills its pool. */
        void killSpawned() throws InterruptedException {
            if (!(spawner instanceof io.gevent4j.pool.Group group)) {
                return;
            }
            if (hub.inHub()) {
                group.kill();
                return;
            }
            try {
                hub.submit(() -> {
                    group.kill();
                    return null;
                }).get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("gevent4j: killing the requests left in " + group + " failed", e.getCause());
            }
        }

        private void run(Runnable exchange) {
            try {
                if (readTimeout == null) {
                    exchange.run();
                    return;
                }
                Timeout timeout = Timeout.start(readTimeout);
                READ_TIMEOUT.set(timeout);
                try {
                    exchange.run(); // a Timeout while reading the headers closes the connection (the JDK catches it)
                } finally {
                    READ_TIMEOUT.remove();
                    timeout.close();
                }
            } finally {
                ended();
            }
        }

        /** Called by the handler wrapper: the request line and headers were read in time. */
        static void headersRead() {
            Timeout t = READ_TIMEOUT.get();
            if (t != null) {
                READ_TIMEOUT.remove();
                t.close();
            }
        }

        private void ended() {
            inFlight.decrementAndGet();
            if (slots != null) {
                slots.release();
            }
        }

        int inFlight() {
            return inFlight.get();
        }

        @Override
        public String toString() {
            return "RequestExecutor[" + (spawner != null ? spawner : greenlets) + "]";
        }
    }
}
