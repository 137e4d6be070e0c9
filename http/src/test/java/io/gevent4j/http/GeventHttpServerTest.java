package io.gevent4j.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import io.gevent4j.HubGroup;
import io.gevent4j.pool.Pool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.HttpsURLConnection;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.gevent4j.http.HttpTestSupport.anyPort;
import static io.gevent4j.http.HttpTestSupport.connect;
import static io.gevent4j.http.HttpTestSupport.exchange;
import static io.gevent4j.http.HttpTestSupport.get;
import static io.gevent4j.http.HttpTestSupport.read;
import static io.gevent4j.http.HttpTestSupport.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pywsgi counterpart on real loopback sockets. The server runs on a two-hub group (its requests
 * are greenlets there), so the test thread is a plain client.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GeventHttpServerTest {
    private static final byte[] HELLO = "Hello, World!".getBytes(StandardCharsets.US_ASCII);

    private HubGroup group;
    private GeventHttpServer server;
    private final HttpTestSupport.Captured log = new HttpTestSupport.Captured();

    /** Answers 13 bytes, saying in a header whether it ran as a greenlet. */
    private static final HttpHandler HELLO_HANDLER = exchange -> {
        exchange.getResponseHeaders().set("X-Greenlet", String.valueOf(Greenlet.current() != null));
        exchange.sendResponseHeaders(200, HELLO.length);
        exchange.getResponseBody().write(HELLO);
    };

    @BeforeEach
    void group() {
        group = HubGroup.of(2);
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.stop(Duration.ZERO);
        }
        group.close();
    }

    private GeventHttpServer.Builder builder() {
        return GeventHttpServer.builder(anyPort()).hubGroup(group).accessLog(log.stream).handler("/", HELLO_HANDLER);
    }

    private int start(GeventHttpServer.Builder b) throws IOException {
        server = b.build().start();
        return server.port();
    }

    @Test
    void answersFromAGreenletAndLogsInPywsgisFormat() throws Exception {
        int port = start(builder());
        HttpTestSupport.Response r = exchange(port, get("/hello?x=1"));
        assertEquals(200, r.status());
        assertEquals("Hello, World!", r.body());
        assertEquals("true", r.headers().get("x-greenlet"));
        awaitLog("\"GET /hello?x=1 HTTP/1.1\"");
        String line = log.text().lines().filter(l -> l.contains("/hello")).findFirst().orElseThrow();
        assertTrue(line.matches("127\\.0\\.0\\.1 - - \\[\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d] \"GET /hello\\?x=1 HTTP/1\\.1\""
                + " 200 13 \\d+\\.\\d{6}"), line);
    }

    private void awaitLog(String needle) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!log.text().contains(needle)) {
            assertTrue(System.nanoTime() < deadline, "no log line with " + needle + " in:\n" + log.text());
            Thread.sleep(5);
        }
    }

    @Test
    void keepAliveServesManyRequestsOnOneConnection() throws Exception {
        int port = start(builder());
        try (Socket s = connect(port)) {
            for (int i = 0; i < 5; i++) {
                send(s, get("/k" + i));
                HttpTestSupport.Response r = read(s.getInputStream());
                assertEquals(200, r.status());
                assertEquals("Hello, World!", r.body());
            }
        }
    }

    @Test
    void keepAliveOffClosesAfterEachResponse() throws Exception {
        int port = start(builder().keepAlive(false));
        try (Socket s = connect(port)) {
            send(s, get("/once"));
            HttpTestSupport.Response r = read(s.getInputStream());
            assertEquals("close", r.headers().get("connection"));
            assertNull(read(s.getInputStream()), "the server closed the connection");
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrderOneAtATime() throws Exception {
        AtomicInteger concurrent = new AtomicInteger();
        AtomicInteger maxConcurrent = new AtomicInteger();
        int port = start(GeventHttpServer.builder(anyPort()).hubGroup(group).accessLog(null).handler("/", exchange -> {
            maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
            try {
                Gevent.sleep(20);
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            byte[] body = exchange.getRequestURI().getPath().getBytes(StandardCharsets.US_ASCII);
            concurrent.decrementAndGet();
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        }));
        try (Socket s = connect(port)) {
            send(s, get("/first") + get("/second") + get("/third")); // one write: pipelined
            InputStream in = s.getInputStream();
            assertEquals("/first", read(in).body());
            assertEquals("/second", read(in).body());
            assertEquals("/third", read(in).body());
        }
        assertEquals(1, maxConcurrent.get(), "a connection's requests are never handled concurrently");
    }

    @Test
    void aSlowlorisIsCutByTheReadTimeoutAndDoesNotStallOthers() throws Exception {
        int port = start(builder().readTimeout(Duration.ofMillis(500)));
        try (Socket slow = connect(port)) {
            send(slow, "GET /slow HTTP/1.1\r\nHost: localhost\r\n");
            // the others are served meanwhile
            for (int i = 0; i < 20; i++) {
                assertEquals(200, exchange(port, get("/fast" + i)).status());
            }
            // dribble a header line now and then: the server closes the connection after the read timeout
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            boolean closed = false;
            while (!closed && System.nanoTime() < deadline) {
                try {
                    send(slow, "X-Slow: 1\r\n");
                    slow.setSoTimeout(200);
                    closed = slow.getInputStream().read() == -1;
                } catch (java.net.SocketTimeoutException stillOpen) {
                    // not closed yet: send the next line
                } catch (IOException reset) {
                    closed = true;
                }
            }
            assertTrue(closed, "the slow client's connection was closed by the read timeout");
        }
        assertEquals(200, exchange(port, get("/after")).status());
    }

    @Test
    void aClientThatDisconnectsMidResponseDoesNotHurtTheServer() throws Exception {
        CountDownLatch writing = new CountDownLatch(1);
        CompletableFuture<Throwable> handlerEnd = new CompletableFuture<>();
        int port = start(GeventHttpServer.builder(anyPort()).hubGroup(group).accessLog(log.stream)
                .handler("/big", exchange -> {
                    exchange.sendResponseHeaders(200, 0); // chunked
                    byte[] chunk = new byte[64 * 1024];
                    try (OutputStream out = exchange.getResponseBody()) {
                        for (int i = 0; i < 100_000; i++) { // 6.5 GB: far more than any socket buffer
                            out.write(chunk);
                            writing.countDown();
                        }
                        handlerEnd.complete(null);
                    } catch (IOException | RuntimeException e) {
                        handlerEnd.complete(e);
                        throw e;
                    }
                })
                .handler("/", HELLO_HANDLER));
        Socket s = connect(port);
        send(s, get("/big"));
        s.getInputStream().readNBytes(1000);
        assertTrue(writing.await(20, TimeUnit.SECONDS));
        s.setSoLinger(true, 0); // reset, as a client that dies does
        s.close();
        Throwable end = handlerEnd.get(20, TimeUnit.SECONDS);
        assertTrue(end instanceof IOException, "the handler's write failed: " + end);
        awaitLog("connection lost while answering");
        assertEquals(200, exchange(port, get("/next")).status(), "the server keeps serving");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (server.inFlight() != 0) {
            assertTrue(System.nanoTime() < deadline, "the cut request ended");
            Thread.sleep(5);
        }
    }

    @Test
    void malformedRequestsAreAnsweredAndTheServerKeepsServing() throws Exception {
        int port = start(builder());
        assertEquals(400, exchange(port, "GARBAGE\r\n\r\n").status(), "bad request line");
        assertEquals(400, exchange(port, "GET /x HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n").status(),
                "bad Content-Length");
        assertEquals(400, exchange(port, "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n").status(),
                "negative Content-Length");
        String huge = "X-Huge: " + "a".repeat(100 * 1024) + "\r\n";
        HttpTestSupport.Response tooBig = exchange(port, "GET /x HTTP/1.1\r\nHost: x\r\n" + huge + "\r\n");
        assertEquals(431, tooBig.status(), "huge headers");
        assertTrue(tooBig.body().contains("more than this server's 65536"), tooBig.body());
        StringBuilder many = new StringBuilder("GET /x HTTP/1.1\r\nHost: x\r\n");
        for (int i = 0; i < 150; i++) {
            many.append("X-H").append(i).append(": v\r\n");
        }
        assertEquals(431, exchange(port, many + "\r\n").status(), "too many header fields");
        assertEquals(200, exchange(port, get("/still-serving")).status());
    }

    @Test
    void aHandlerExceptionGives500AndTheServerKeepsServing() throws Exception {
        java.io.PrintStream realErr = System.err;
        HttpTestSupport.Captured err = new HttpTestSupport.Captured();
        System.setErr(err.stream);
        try {
            int port = start(builder().handler("/boom", exchange -> {
                throw new IllegalStateException("handler exploded on purpose");
            }));
            HttpTestSupport.Response r = exchange(port, get("/boom"));
            assertEquals(500, r.status());
            assertEquals("Internal Server Error\n", r.body());
            assertEquals(200, exchange(port, get("/fine")).status());
            assertTrue(err.text().contains("handler exploded on purpose"), err.text());
            assertTrue(err.text().contains("GET /boom HTTP/1.1"), "the report names the request: " + err.text());
        } finally {
            System.setErr(realErr);
            realErr.print(err.text());
        }
        awaitLog("\"GET /boom HTTP/1.1\" 500");
    }

    @Test
    void requestsAreSpreadOverTheGroupsHubs() throws Exception {
        Set<Hub> hubs = ConcurrentHashMap.newKeySet();
        int port = start(GeventHttpServer.builder(anyPort()).hubGroup(group).accessLog(null).handler("/", exchange -> {
            hubs.add(Hub.current());
            exchange.sendResponseHeaders(204, -1);
        }));
        for (int i = 0; i < 20; i++) {
            assertEquals(204, exchange(port, get("/")).status());
        }
        assertEquals(Set.copyOf(group.hubs()), hubs);
    }

    @Test
    void poolSizeBoundsConcurrentRequests() throws Exception {
        AtomicInteger concurrent = new AtomicInteger();
        AtomicInteger maxConcurrent = new AtomicInteger();
        int port = start(GeventHttpServer.builder(anyPort()).hubGroup(group).accessLog(null).poolSize(2)
                .handler("/", exchange -> {
                    maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
                    try {
                        Gevent.sleep(50);
                    } catch (InterruptedException e) {
                        throw new IOException(e);
                    }
                    concurrent.decrementAndGet();
                    exchange.sendResponseHeaders(204, -1);
                }));
        List<CompletableFuture<Integer>> answers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            answers.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return exchange(port, get("/")).status();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }));
        }
        for (CompletableFuture<Integer> a : answers) {
            assertEquals(204, a.get(30, TimeUnit.SECONDS));
        }
        assertTrue(maxConcurrent.get() <= 2, "at most 2 at once, saw " + maxConcurrent.get());
    }

    @Test
    void servesHttps(@TempDir Path dir) throws Exception {
        HttpTestSupport.Tls tls = HttpTestSupport.selfSigned(dir);
        int port = start(builder().tls(tls.server()));
        HttpsURLConnection c = (HttpsURLConnection) URI.create("https://127.0.0.1:" + port + "/secure").toURL()
                .openConnection();
        c.setSSLSocketFactory(tls.client().getSocketFactory());
        assertEquals(200, c.getResponseCode());
        try (InputStream in = c.getInputStream()) {
            assertEquals("Hello, World!", new String(in.readAllBytes(), StandardCharsets.US_ASCII));
        }
        assertEquals("true", c.getHeaderField("X-Greenlet"));
        assertTrue(server.toString().startsWith("GeventHttpServer[https://"), server.toString());
    }

    @Test
    void gracefulStopLosesNoInFlightResponse() throws Exception {
        int n = 20;
        CountDownLatch allIn = new CountDownLatch(n);
        int port = start(GeventHttpServer.builder(anyPort()).hubGroup(group).accessLog(null).handler("/", exchange -> {
            allIn.countDown();
            try {
                Gevent.sleep(300);
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            byte[] body = ("done " + exchange.getRequestURI().getPath()).getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        }));
        List<CompletableFuture<HttpTestSupport.Response>> answers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String path = "/r" + i;
            answers.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return exchange(port, get(path));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, r -> Thread.ofPlatform().start(r)));
        }
        assertTrue(allIn.await(30, TimeUnit.SECONDS), "every request is in flight");
        server.stop(Duration.ofSeconds(10));
        for (int i = 0; i < n; i++) {
            HttpTestSupport.Response r = answers.get(i).get(30, TimeUnit.SECONDS);
            assertEquals(200, r.status());
            assertEquals("done /r" + i, r.body());
        }
        assertTrue(server.closed());
        assertThrows(ConnectException.class, () -> connect(port).close(), "no new connections after stop");
    }

    @Test
    void servesOnTheStartingThreadsHubUntilStoppedFromElsewhere() throws Exception {
        CompletableFuture<GeventHttpServer> started = new CompletableFuture<>();
        CompletableFuture<Void> ended = new CompletableFuture<>();
        Thread hubThread = Thread.ofPlatform().name("http-hub").start(() -> {
            try {
                GeventHttpServer s = GeventHttpServer.builder(anyPort()).accessLog(null).handler("/", exchange -> {
                    byte[] body = Thread.currentThread().isVirtual() && Hub.current().thread().getName().equals("http-hub")
                            ? HELLO : new byte[0];
                    exchange.sendResponseHeaders(200, body.length);
                    exchange.getResponseBody().write(body);
                }).build().start();
                started.complete(s);
                s.serveForever();
                Hub.current().close();
                ended.complete(null);
            } catch (Throwable e) {
                started.completeExceptionally(e);
                ended.completeExceptionally(e);
            }
        });
        GeventHttpServer s = started.get(30, TimeUnit.SECONDS);
        assertEquals("Hello, World!", exchange(s.port(), get("/")).body(), "served by a greenlet of the starting thread's hub");
        s.stop(Duration.ofSeconds(1));
        ended.get(30, TimeUnit.SECONDS);
        hubThread.join();
    }

    /** Whether this run is under the agent (the http module's second surefire execution says so). */
    private static final boolean UNDER_AGENT = Boolean.getBoolean("gevent4j.test.underAgent");

    /** A server on the hub of a platform thread of its own, as an application's main would run it. */
    private record OwnHub(GeventHttpServer server, Thread thread, CompletableFuture<Void> ended) {
        void stop() throws Exception {
            server.stop(Duration.ofSeconds(1));
            ended.get(30, TimeUnit.SECONDS);
            thread.join();
        }
    }

    /** Builds (on the new thread, so that a Pool made by {@code configure} is that hub's) and serves until stopped. */
    private static OwnHub serveOnOwnHub(java.util.function.Supplier<GeventHttpServer.Builder> configure) throws Exception {
        CompletableFuture<GeventHttpServer> started = new CompletableFuture<>();
        CompletableFuture<Void> ended = new CompletableFuture<>();
        Thread hubThread = Thread.ofPlatform().name("http-own-hub").start(() -> {
            try {
                GeventHttpServer s = configure.get().build().start();
                started.complete(s);
                s.serveForever();
                Hub.current().close();
                ended.complete(null);
            } catch (Throwable e) {
                started.completeExceptionally(e);
                ended.completeExceptionally(e);
            }
        });
        return new OwnHub(started.get(30, TimeUnit.SECONDS), hubThread, ended);
    }

    @Test
    void underTheAgentTheJdkDispatcherIsAGreenletOfTheRequestsHub() throws Exception {
        OwnHub own = serveOnOwnHub(() -> GeventHttpServer.builder(anyPort()).accessLog(null).handler("/", HELLO_HANDLER));
        try {
            assertEquals(1, own.server().jdkServers());
            assertEquals(UNDER_AGENT ? 1 : 0, own.server().dispatcherGreenlets(), "under the agent: " + UNDER_AGENT);
            for (int i = 0; i < 5; i++) {
                assertEquals("Hello, World!", exchange(own.server().port(), get("/")).body());
            }
        } finally {
            own.stop();
        }
    }

    @Test
    void underTheAgentAHubGroupRunsOneJdkServerPerHubOnOnePort() throws Exception {
        Map<Hub, Integer> perHub = new ConcurrentHashMap<>();
        int port = start(GeventHttpServer.builder(anyPort()).hubGroup(group).accessLog(null).handler("/", exchange -> {
            perHub.merge(Hub.current(), 1, Integer::sum);
            exchange.sendResponseHeaders(204, -1);
        }));
        // the agent opens the JDK server's package, so each hub gets a JDK server (SO_REUSEPORT) and its
        // dispatcher as a greenlet; without it one JDK server with its platform dispatcher feeds the group
        assertEquals(UNDER_AGENT ? group.size() : 1, server.jdkServers());
        assertEquals(UNDER_AGENT ? group.size() : 0, server.dispatcherGreenlets());
        for (int i = 0; i < 40; i++) {
            assertEquals(204, exchange(port, get("/")).status()); // a new connection each: the kernel spreads them
        }
        assertEquals(Set.copyOf(group.hubs()), perHub.keySet(), "requests per hub: " + perHub);
        // the port is this server's: a server that does not share ports is refused it
        assertThrows(java.net.BindException.class,
                () -> com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", port), 0));
    }

    @Test
    void aServerStopsEvenWhenItsHubGroupWasClosedFirst() throws Exception {
        int port = start(builder());
        assertEquals(200, exchange(port, get("/")).status());
        group.close(); // its hubs no longer run anything: the stop must not wait for them
        server.stop(Duration.ZERO);
        assertTrue(server.closed());
    }

    @Test
    void aPoolGivenAsTheSpawnerBoundsConcurrentRequestsAndRunsThem() throws Exception {
        AtomicInteger concurrent = new AtomicInteger();
        AtomicInteger maxConcurrent = new AtomicInteger();
        Set<String> pools = ConcurrentHashMap.newKeySet();
        OwnHub own = serveOnOwnHub(() -> {
            Pool pool = new Pool(2);
            return GeventHttpServer.builder(anyPort()).accessLog(null).spawner(pool).handler("/", exchange -> {
                maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
                pools.add(String.valueOf(pool.contains(Greenlet.current())));
                try {
                    Gevent.sleep(50);
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                concurrent.decrementAndGet();
                exchange.sendResponseHeaders(204, -1);
            });
        });
        try {
            List<CompletableFuture<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                answers.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return exchange(own.server().port(), get("/")).status();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }, r -> Thread.ofPlatform().start(r)));
            }
            for (CompletableFuture<Integer> a : answers) {
                assertEquals(204, a.get(30, TimeUnit.SECONDS));
            }
        } finally {
            own.stop();
        }
        assertTrue(maxConcurrent.get() <= 2, "at most 2 at once, saw " + maxConcurrent.get());
        assertEquals(Set.of("true"), pools, "every request greenlet is a member of the pool");
    }

    @Test
    void aSpawnerCannotBeCombinedWithAHubGroupOrAPoolSize() {
        assertThrows(IllegalStateException.class, () -> builder().spawner(io.gevent4j.pool.Spawner.DEFAULT).build());
        assertThrows(IllegalStateException.class, () -> GeventHttpServer.builder(anyPort()).handler("/", HELLO_HANDLER)
                .spawner(io.gevent4j.pool.Spawner.DEFAULT).poolSize(3).build());
    }
}
