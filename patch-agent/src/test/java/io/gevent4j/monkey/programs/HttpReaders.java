package io.gevent4j.monkey.programs;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * N greenlets each read a page with plain {@code URL.openStream()} from a loopback HTTP server (in
 * this JVM, on its own platform threads) that answers each request after a delay. Prints
 * {@code elapsedMs}, {@code correct} (bodies as expected) and {@code maxWaiting} (the most requests
 * the server held at once: N if the greenlets really waited together). Args: count, delayMs.
 */
public final class HttpReaders {
    private HttpReaders() {
    }

    /**
     * Runs the program; prints its findings as {@code key=value} lines.
     *
     * @param args see the class comment
     * @throws Exception whatever the program throws (the child's exit status then shows it)
     */
    public static void main(String[] args) throws Exception {
        int count = Integer.parseInt(args[0]);
        long delayMs = Long.parseLong(args[1]);
        ScheduledExecutorService answerer = Executors.newSingleThreadScheduledExecutor();
        AtomicInteger waiting = new AtomicInteger();
        AtomicInteger maxWaiting = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), count + 64);
        server.createContext("/", exchange -> {
            maxWaiting.accumulateAndGet(waiting.incrementAndGet(), Math::max);
            answerer.schedule(() -> answer(exchange, waiting), delayMs, TimeUnit.MILLISECONDS);
        });
        server.start();
        String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/page/";
        try {
            long start = System.nanoTime();
            List<Greenlet<String>> readers = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String url = base + i;
                readers.add(Gevent.spawn(() -> {
                    try (InputStream in = URI.create(url).toURL().openStream()) {
                        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    }
                }));
            }
            Gevent.joinAll(readers);
            long elapsed = (System.nanoTime() - start) / 1_000_000;
            int correct = 0;
            for (int i = 0; i < count; i++) {
                if (("page " + i).equals(readers.get(i).get())) {
                    correct++;
                }
            }
            System.out.println("elapsedMs=" + elapsed);
            System.out.println("correct=" + correct);
            System.out.println("maxWaiting=" + maxWaiting.get());
        } finally {
            server.stop(0);
            answerer.shutdownNow();
        }
    }

    private static void answer(HttpExchange exchange, AtomicInteger waiting) {
        waiting.decrementAndGet();
        String path = exchange.getRequestURI().getPath();
        byte[] body = ("page " + path.substring(path.lastIndexOf('/') + 1)).getBytes(StandardCharsets.UTF_8);
        try (exchange; OutputStream out = exchange.getResponseBody()) {
            exchange.sendResponseHeaders(200, body.length);
            out.write(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
