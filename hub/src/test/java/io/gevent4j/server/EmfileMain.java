package io.gevent4j.server;

import io.gevent4j.Gevent;
import io.gevent4j.Hub;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Child JVM for {@link ServerStressTest}, run under a low {@code ulimit -n}: a StreamServer whose handlers
 * echo lines until the client closes, so that accepted connections hold their descriptors. Prints
 * {@code port=N}; stops when a line arrives on stdin.
 */
public final class EmfileMain {
    private EmfileMain() {
    }

    /**
     * @param args unused
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        Hub hub = Hub.current();
        StreamServer server = new StreamServer(ServerTestSupport.anyPort(), (socket, peer) -> {
            for (String line; (line = ServerTestSupport.readLine(socket)) != null; ) {
                ServerTestSupport.writeLine(socket, line);
            }
        }).backlog(1024).start();
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                in.readLine();
            } catch (java.io.IOException e) {
                e.printStackTrace();
            }
            hub.callSoonThreadsafe(() -> Gevent.spawn(() -> {
                server.stop();
                hub.stop();
                return null;
            }));
        });
        // Warm up every path the server takes (timers, a connection, the handler): under the low limit the JVM
        // cannot open a class file from the test class path's directories while all descriptors are in use.
        Gevent.sleep(1);
        String echoed = Gevent.spawn(() -> {
            try (java.net.Socket s = new java.net.Socket(ServerTestSupport.LOOPBACK, server.port())) {
                ServerTestSupport.writeLine(s, "warm-up");
                return ServerTestSupport.readLine(s);
            }
        }).get();
        if (!"warm-up".equals(echoed)) {
            throw new AssertionError("warm-up echo failed: " + echoed);
        }
        System.out.println("port=" + server.port());
        System.out.flush();
        hub.run();
        System.out.println("stopped");
    }
}
