package io.gevent4j.examples;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An HTTP(S) server on 127.0.0.1 for the tests: static resources, byte ranges, and injected faults
 * (error statuses, dropped connections). Runs on platform threads.
 */
final class TestServer implements AutoCloseable {
    /** A fault served instead of the resource. */
    sealed interface Fault permits Ok, Status, Drop {
    }

    /** No fault: serve this request normally. */
    record Ok() implements Fault {
    }

    /** Answer with this status (and Retry-After seconds if >= 0). */
    record Status(int code, int retryAfterSeconds) implements Fault {
    }

    /** Send the headers and half the body, then drop the connection. */
    record Drop() implements Fault {
    }

    private record Resource(byte[] body, String type, boolean ranges, String etag) {
    }

    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");

    private final HttpServer server;
    private final ExecutorService executor;
    private final Map<String, Resource> resources = new ConcurrentHashMap<>();
    private final Map<String, Deque<Fault>> faults = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    private final Map<String, Long> delays = new ConcurrentHashMap<>();
    private volatile Resource fallback;
    private final Map<String, String> redirects = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final List<String> rangeRequests = java.util.Collections.synchronizedList(new ArrayList<>());

    private TestServer(HttpServer server) {
        this.server = server;
        this.executor = Executors.newFixedThreadPool(32, r -> Thread.ofPlatform().daemon(true).name("test-http").unstarted(r));
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    static {
        // no 40 ms delayed-ACK stall between a response's headers and body
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    static TestServer http() throws IOException {
        return new TestServer(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64));
    }

    static TestServer https(SSLContext context) throws IOException {
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.setHttpsConfigurator(new HttpsConfigurator(context));
        return new TestServer(server);
    }

    String url(String path) {
        String scheme = server instanceof HttpsServer ? "https" : "http";
        return scheme + "://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    TestServer add(String path, byte[] body, String type) {
        resources.put(path, new Resource(body, type, false, null));
        return this;
    }

    TestServer addRanged(String path, byte[] body, String type, String etag) {
        resources.put(path, new Resource(body, type, true, etag));
        return this;
    }

    TestServer page(String path, String html) {
        return add(path, html.getBytes(StandardCharsets.UTF_8), "text/html; charset=utf-8");
    }

    /** Serves this body for every path that has no resource of its own. */
    TestServer fallback(byte[] body, String type) {
        fallback = new Resource(body, type, false, null);
        return this;
    }

    /** Answers every request for {@code path} with a 302 to {@code location}. */
    TestServer redirect(String path, String location) {
        redirects.put(path, location);
        return this;
    }

    /** Delays every response for this path (on the server's platform thread). */
    TestServer delay(String path, long millis) {
        delays.put(path, millis);
        return this;
    }

    TestServer fail(String path, Fault... next) {
        faults.computeIfAbsent(path, p -> new ArrayDeque<>()).addAll(List.of(next));
        return this;
    }

    int hits(String path) {
        AtomicInteger n = hits.get(path);
        return n == null ? 0 : n.get();
    }

    List<String> rangeRequests() {
        return List.copyOf(rangeRequests);
    }

    /** The most requests the server was handling at the same time. */
    int maxInFlight() {
        return maxInFlight.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        try {
            serve(exchange);
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private void serve(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getRawPath();
        hits.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
        Resource resource = resources.getOrDefault(path, fallback);
        Long delay = delays.get(path);
        if (delay != null) {
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                exchange.close();
                return;
            }
        }
        Deque<Fault> queue = faults.get(path);
        Fault fault = queue == null ? null : queue.pollFirst();
        try (exchange) {
            if (fault instanceof Status s) {
                if (s.retryAfterSeconds() >= 0) {
                    exchange.getResponseHeaders().set("Retry-After", String.valueOf(s.retryAfterSeconds()));
                }
                byte[] msg = ("injected " + s.code()).getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(s.code(), msg.length);
                exchange.getResponseBody().write(msg);
                return;
            }
            String location = redirects.get(path);
            if (location != null) {
                exchange.getResponseHeaders().set("Location", location);
                exchange.sendResponseHeaders(302, -1);
                return;
            }
            if (resource == null) {
                byte[] msg = "not found".getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(404, msg.length);
                exchange.getResponseBody().write(msg);
                return;
            }
            Headers headers = exchange.getResponseHeaders();
            headers.set("Content-Type", resource.type());
            byte[] body = resource.body();
            int start = 0;
            int end = body.length - 1;
            int status = 200;
            if (resource.ranges()) {
                headers.set("Accept-Ranges", "bytes");
                if (resource.etag() != null) {
                    headers.set("ETag", resource.etag());
                }
                String range = exchange.getRequestHeaders().getFirst("Range");
                String ifRange = exchange.getRequestHeaders().getFirst("If-Range");
                if (range != null) {
                    rangeRequests.add(range);
                }
                Matcher m = range == null ? null : RANGE.matcher(range);
                boolean validatorOk = ifRange == null || ifRange.equals(resource.etag());
                if (m != null && m.matches() && validatorOk) {
                    start = Integer.parseInt(m.group(1));
                    end = m.group(2).isEmpty() ? body.length - 1 : Math.min(Integer.parseInt(m.group(2)), body.length - 1);
                    status = 206;
                    headers.set("Content-Range", "bytes " + start + "-" + end + "/" + body.length);
                }
            }
            int length = end - start + 1;
            exchange.sendResponseHeaders(status, length);
            OutputStream out = exchange.getResponseBody();
            if (fault instanceof Drop) {
                out.write(body, start, length / 2);
                out.flush();
                throw new IllegalStateException("injected dropped connection (this stack trace is expected)");
            }
            out.write(body, start, length);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
