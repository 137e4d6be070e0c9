package io.gevent4j.benchmarks;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.HubGroup;
import io.gevent4j.server.StreamServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The {@code echo} workload of {@code shared/bench/gevent/workloads.py}: a server echoes; {@code conns}
 * clients each send {@code msgs} messages of {@code size} bytes and read each echo fully before
 * sending the next. The figure is messages per second over the clients' run.
 *
 * <p>{@link #run} is gevent4j: a {@link StreamServer} and the client greenlets on one hub, plain
 * {@code java.net} sockets in both. {@link #runOnVirtualThreads} is the same code on plain JDK virtual
 * threads (default scheduler): a {@link ServerSocket} accept loop in a virtual thread, one virtual
 * thread per connection and per client.
 *
 * <p>{@code main} runs a warm-up pass of each, then measures them in this JVM and prints
 * {@code METRIC echo ...}, {@code METRIC echo_vthreads ...} and, for diagnosis,
 * {@code METRIC echo_hub_server ...} (the server on a hub, the clients on plain virtual threads).
 */
public final class EchoWorkload {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final int BACKLOG = 1024;

    private EchoWorkload() {
    }

    /** The server side of both variants: echo what arrives until the client closes (gevent's handle). */
    static void echo(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        byte[] buf = new byte[65536];
        for (int n; (n = in.read(buf)) > 0; ) {
            out.write(buf, 0, n);
        }
    }

    /** The client side of both variants: {@code msgs} round trips of {@code size} bytes, checked. */
    private static void client(int port, int msgs, int size) throws IOException {
        byte[] payload = new byte[size];
        Arrays.fill(payload, (byte) 'x');
        byte[] back = new byte[size];
        try (Socket s = new Socket(LOOPBACK, port)) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            for (int i = 0; i < msgs; i++) {
                out.write(payload);
                int got = 0;
                while (got < size) {
                    int n = in.read(back, got, size - got);
                    if (n < 0) {
                        throw new IOException("echo server closed the connection after " + i + " messages");
                    }
                    got += n;
                }
                Workloads.check(back[0] == 'x' && back[size - 1] == 'x', "echo payload");
            }
        }
    }

    /**
     * gevent4j: a {@link StreamServer} and {@code conns} client greenlets in the same hub (the calling
     * thread's).
     *
     * @param conns number of clients (200 in workloads.py)
     * @param msgs messages per client (500)
     * @param size bytes per message (64)
     * @return {@code echo} in msgs/s
     * @throws Exception if a client or the server fails
     */
    public static Workloads.Metric run(int conns, int msgs, int size) throws Exception {
        return Gevent.run(() -> {
            try (StreamServer server = new StreamServer(new InetSocketAddress(LOOPBACK, 0),
                    (socket, peer) -> echo(socket)).backlog(BACKLOG)) {
                server.start();
                int port = server.port();
                long t = System.nanoTime();
                List<Greenlet<Void>> clients = new ArrayList<>(conns);
                for (int i = 0; i < conns; i++) {
                    clients.add(Gevent.spawn(() -> client(port, msgs, size)));
                }
                Gevent.joinAll(clients, null, true, conns);
                double elapsed = (System.nanoTime() - t) / 1e9;
                server.stop(Duration.ofSeconds(5));
                return new Workloads.Metric("echo", (double) conns * msgs / elapsed, "msgs/s");
            }
        });
    }

    /**
     * {@code echo} on all cores: the same load (the same clients, messages and sizes) on a
     * {@link HubGroup} of {@code hubs} hubs instead of one hub. The clients are spawned round-robin over
     * the group's hubs, and the {@link StreamServer} runs in hub-group mode: its accept loop on the
     * calling thread's hub, each connection's handler on the next hub of the group. Compared with
     * {@link #run}, this is "echo with n hubs" against "echo with one hub".
     *
     * @param conns number of clients (200, as {@code echo})
     * @param msgs messages per client (500)
     * @param size bytes per message (64)
     * @param hubs hubs in the group (2 on a 2-core machine)
     * @return {@code echo_hubgroup} in msgs/s
     * @throws Exception if a client or the server fails
     */
    public static Workloads.Metric runHubGroup(int conns, int msgs, int size, int hubs) throws Exception {
        try (HubGroup group = HubGroup.of(hubs)) {
            return Gevent.run(() -> {
                try (StreamServer server = new StreamServer(new InetSocketAddress(LOOPBACK, 0),
                        (socket, peer) -> echo(socket)).backlog(BACKLOG).hubGroup(group)) {
                    server.start();
                    int port = server.port();
                    long t = System.nanoTime();
                    List<Greenlet<Void>> clients = new ArrayList<>(conns);
                    for (int i = 0; i < conns; i++) {
                        clients.add(group.spawn(() -> client(port, msgs, size)));
                    }
                    for (Greenlet<Void> c : clients) {
                        c.get(); // from this hub's thread, which meanwhile runs the accept loop
                    }
                    double elapsed = (System.nanoTime() - t) / 1e9;
                    server.stop(Duration.ofSeconds(5));
                    return new Workloads.Metric("echo_hubgroup", (double) conns * msgs / elapsed, "msgs/s");
                }
            });
        }
    }

    /**
     * The same workload on plain JDK virtual threads with the default scheduler: the baseline that
     * {@link #run} is compared with.
     *
     * @param conns number of clients
     * @param msgs messages per client
     * @param size bytes per message
     * @return {@code echo_vthreads} in msgs/s
     * @throws Exception if a client or the server fails
     */
    public static Workloads.Metric runOnVirtualThreads(int conns, int msgs, int size) throws Exception {
        try (ServerSocket listener = new ServerSocket(0, BACKLOG, LOOPBACK);
             ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
             ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            int port = listener.getLocalPort();
            Thread acceptor = serveOnVirtualThreads(listener, handlers);
            long t = System.nanoTime();
            List<Future<?>> done = new ArrayList<>(conns);
            for (int i = 0; i < conns; i++) {
                done.add(clients.submit(() -> {
                    client(port, msgs, size);
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            double elapsed = (System.nanoTime() - t) / 1e9;
            listener.close();
            acceptor.join();
            return new Workloads.Metric("echo_vthreads", (double) conns * msgs / elapsed, "msgs/s");
        }
    }

    /**
     * The virtual-thread echo server (of {@link #runOnVirtualThreads} and of echo_server's
     * {@code EchoServers vthreads}): an accept loop in a virtual thread until {@code listener} closes,
     * each connection echoed, then closed, by a task of {@code handlers}.
     *
     * @param listener the bound listening socket
     * @param handlers runs each connection's echo (a virtual thread per task)
     * @return the accept loop's thread
     */
    static Thread serveOnVirtualThreads(ServerSocket listener, ExecutorService handlers) {
        return Thread.ofVirtual().name("echo-accept").start(() -> {
            while (!listener.isClosed()) {
                Socket socket;
                try {
                    socket = listener.accept();
                } catch (SocketException closed) {
                    return;
                } catch (IOException e) {
                    throw new IllegalStateException("echo on virtual threads: accept failed", e);
                }
                handlers.submit(() -> {
                    try (socket) {
                        echo(socket);
                    }
                    return null;
                });
            }
        });
    }

    /**
     * A mixed layout, for diagnosis: the {@link StreamServer} alone on a hub thread of its own, the
     * clients on plain JDK virtual threads (the usual deployment, where clients are elsewhere). It
     * tells the server's share of {@link #run}'s cost from the clients'.
     *
     * @param conns number of clients
     * @param msgs messages per client
     * @param size bytes per message
     * @return {@code echo_hub_server} in msgs/s
     * @throws Exception if a client or the server fails
     */
    public static Workloads.Metric runServerOnHubClientsOnVirtualThreads(int conns, int msgs, int size)
            throws Exception {
        CompletableFuture<StreamServer> started = new CompletableFuture<>();
        CompletableFuture<Void> ended = new CompletableFuture<>();
        Thread hubThread = Thread.ofPlatform().name("echo-hub").start(() -> {
            try {
                Gevent.run(() -> {
                    StreamServer server = new StreamServer(new InetSocketAddress(LOOPBACK, 0),
                            (socket, peer) -> echo(socket)).backlog(BACKLOG);
                    server.start();
                    started.complete(server);
                    server.serveForever();
                    return null;
                });
                ended.complete(null);
            } catch (Throwable e) {
                started.completeExceptionally(e);
                ended.completeExceptionally(e);
            }
        });
        StreamServer server = started.get();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            long t = System.nanoTime();
            List<Future<?>> done = new ArrayList<>(conns);
            for (int i = 0; i < conns; i++) {
                done.add(clients.submit(() -> {
                    client(server.port(), msgs, size);
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            double elapsed = (System.nanoTime() - t) / 1e9;
            return new Workloads.Metric("echo_hub_server", (double) conns * msgs / elapsed, "msgs/s");
        } finally {
            server.stop(Duration.ofSeconds(5));
            ended.get();
            hubThread.join();
        }
    }

    /**
     * Warms up, then measures gevent4j and plain virtual threads in this JVM (and, for diagnosis, the
     * server on a hub with virtual-thread clients).
     *
     * @param args [conns [msgs [size [rounds]]]], defaults 200 500 64 3
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        int conns = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int msgs = args.length > 1 ? Integer.parseInt(args[1]) : 500;
        int size = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        run(conns, msgs, size);
        runOnVirtualThreads(conns, msgs, size);
        runServerOnHubClientsOnVirtualThreads(conns, msgs, size);
        for (int i = 0; i < rounds; i++) {
            System.out.println(run(conns, msgs, size));
            System.out.println(runOnVirtualThreads(conns, msgs, size));
            System.out.println(runServerOnHubClientsOnVirtualThreads(conns, msgs, size));
        }
    }
}
