package io.gevent4j.server;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.pool.Pool;

import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Child JVM for {@link ServerStressTest}: {@code N} client greenlets connect at once to a StreamServer
 * whose handlers run in a Pool of {@code P}; each sends a line and expects it back. Prints
 * {@code ok=<replies> maxHandlers=<most handlers at once>}.
 */
public final class ManyConnectionsMain {
    private ManyConnectionsMain() {
    }

    /**
     * @param args the number of clients and the pool size
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        int clients = Integer.parseInt(args[0]);
        int poolSize = Integer.parseInt(args[1]);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        StreamServer server = new StreamServer(ServerTestSupport.anyPort(), (socket, peer) -> {
            maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            try {
                String line = ServerTestSupport.readLine(socket);
                Gevent.sleep(1); // hold the handler a little, so that the pool fills up
                ServerTestSupport.writeLine(socket, line);
            } finally {
                running.decrementAndGet();
            }
        }).spawner(new Pool(poolSize)).backlog(4096).start();
        long t = System.nanoTime();
        List<Greenlet<Boolean>> all = new ArrayList<>(clients);
        for (int i = 0; i < clients; i++) {
            String message = "client " + i;
            all.add(Gevent.spawn(() -> {
                try (Socket s = new Socket(ServerTestSupport.LOOPBACK, server.port())) {
                    ServerTestSupport.writeLine(s, message);
                    return message.equals(ServerTestSupport.readLine(s));
                }
            }));
        }
        Gevent.joinAll(all);
        long ok = all.stream().filter(g -> g.successful() && g.value()).count();
        for (Greenlet<Boolean> g : all) {
            if (g.exception() != null) {
                System.out.println("client failed: " + g.exception());
                break;
            }
        }
        server.stop();
        System.out.println("ok=" + ok + " maxHandlers=" + maxRunning.get() + " seconds=" + (System.nanoTime() - t) / 1e9);
    }
}
