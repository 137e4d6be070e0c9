package io.gevent4j.http;

import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import io.gevent4j.HubGroup;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Jetty 12 with a gevent4j executor as its QueuedThreadPool's virtual-threads executor: the handler
 * runs as a greenlet and its blocking backend call (HttpURLConnection to a second local server)
 * cooperates. The backend answers nobody until {@value #TOGETHER} calls are waiting at once, which
 * two hubs reach only if the handlers' blocking calls park their greenlets instead of their threads.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JettyGreenletExecutorTest {
    private static final int TOGETHER = 40;

    /** A plain JDK HttpServer on platform threads, holding every answer until TOGETHER calls wait. */
    private static com.sun.net.httpserver.HttpServer backend(CountDownLatch together, ExecutorService threads)
            throws IOException {
        var server = com.sun.net.httpserver.HttpServer.create(HttpTestSupport.anyPort(), 200);
        server.createContext("/", exchange -> {
            together.countDown();
            try {
                if (!together.await(30, TimeUnit.SECONDS)) {
                    throw new IOException("only " + (TOGETHER - together.getCount()) + " backend calls ever waited at once");
                }
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            byte[] body = "backend".getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.setExecutor(threads);
        server.start();
        return server;
    }

    private static String fetch(String url) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
        c.setReadTimeout(30_000);
        try (InputStream in = c.getInputStream()) {
            return c.getResponseCode() + " " + new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void handlersRunAsGreenletsAndTheirBlockingBackendCallsCooperate() throws Exception {
        CountDownLatch together = new CountDownLatch(TOGETHER);
        Set<Hub> hubs = ConcurrentHashMap.newKeySet();
        try (HubGroup group = HubGroup.of(2);
             ExecutorService backendThreads = Executors.newCachedThreadPool();
             ExecutorService clients = Executors.newFixedThreadPool(TOGETHER)) {
            var backend = backend(together, backendThreads);
            String backendUrl = "http://127.0.0.1:" + backend.getAddress().getPort() + "/";

            QueuedThreadPool threads = new QueuedThreadPool();
            threads.setVirtualThreadsExecutor(group.executor());
            Server jetty = new Server(threads);
            ServerConnector connector = new ServerConnector(jetty);
            connector.setHost("127.0.0.1");
            connector.setPort(0);
            jetty.addConnector(connector);
            jetty.setHandler(new Handler.Abstract() {
                @Override
                public boolean handle(Request request, Response response, Callback callback) throws Exception {
                    hubs.add(Hub.current());
                    String answer = fetch(backendUrl); // plain blocking code
                    response.setStatus(200);
                    Content.Sink.write(response, true, answer + " greenlet=" + (Greenlet.current() != null), callback);
                    return true;
                }
            });
            jetty.start();
            try {
                String url = "http://127.0.0.1:" + connector.getLocalPort() + "/";
                List<CompletableFuture<String>> answers = new ArrayList<>();
                for (int i = 0; i < TOGETHER; i++) {
                    answers.add(CompletableFuture.supplyAsync(() -> {
                        try {
                            return fetch(url);
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }, clients));
                }
                for (CompletableFuture<String> a : answers) {
                    assertEquals("200 200 backend greenlet=true", a.get(40, TimeUnit.SECONDS));
                }
                assertEquals(Set.copyOf(group.hubs()), hubs, "the handlers ran on the group's hubs");
            } finally {
                jetty.stop();
                backend.stop(0);
            }
        }
    }
}
