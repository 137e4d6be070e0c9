package io.gevent4j.http.bench;

import com.sun.net.httpserver.HttpServer;
import io.gevent4j.HubGroup;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;

/**
 * The JVM peers of benchmarks/http/run.sh, each answering every request the same way: a plain
 * {@code Thread.sleep(10)} then 13 bytes. Kept in the http module's tests so that Jetty stays a test
 * dependency. Usage: {@code HttpBenchServer jdk-vt|jetty-vt|jetty-gevent4j PORT [HUBS]}; runs until killed.
 */
public final class HttpBenchServer {
    private static final byte[] HELLO = "Hello, World!".getBytes(StandardCharsets.US_ASCII);

    private HttpBenchServer() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            throw new IllegalArgumentException("usage: HttpBenchServer jdk-vt|jetty-vt|jetty-gevent4j PORT [HUBS]");
        }
        String mode = args[0];
        int port = Integer.parseInt(args[1]);
        int hubs = args.length > 2 ? Integer.parseInt(args[2]) : Runtime.getRuntime().availableProcessors();
        switch (mode) {
            case "jdk-vt" -> jdk(port);
            case "jetty-vt" -> jetty(port, Executors.newVirtualThreadPerTaskExecutor());
            case "jetty-gevent4j" -> jetty(port, HubGroup.of(hubs).executor());
            default -> throw new IllegalArgumentException("unknown mode " + mode + "; use jdk-vt, jetty-vt or jetty-gevent4j");
        }
        System.out.println("listening on " + port + " (" + mode + ")");
        new CountDownLatch(1).await(); // until killed
    }

    private static void jdk(int port) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 1024);
        server.createContext("/", exchange -> {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                throw new java.io.IOException(e);
            }
            exchange.sendResponseHeaders(200, HELLO.length);
            exchange.getResponseBody().write(HELLO);
            exchange.close();
        });
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
    }

    private static void jetty(int port, Executor virtualThreads) throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setVirtualThreadsExecutor(virtualThreads);
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        connector.setAcceptQueueSize(1024);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                Thread.sleep(10);
                response.setStatus(200);
                response.getHeaders().put("Content-Type", "text/plain");
                response.write(true, ByteBuffer.wrap(HELLO), callback);
                return true;
            }
        });
        server.start();
    }
}
