package io.gevent4j.monkey;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Timeout;
import io.gevent4j.core.GreenletExit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;

/**
 * The child program of {@link PinnedWaitIT}: a greenlet pinned to its hub's thread (it reads a socket
 * inside a class initializer, so it cannot unmount) waits in the hub's epoll, where no data ever comes.
 * A {@link Timeout} around the read (a hub timer) and a kill from another thread must still reach it.
 * Prints {@code RESULT <scenario> key=value...} lines.
 */
public final class PinnedWaitScenarios {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static Socket pinnedSocket;

    private PinnedWaitScenarios() {
    }

    /**
     * @param args unused
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 10, LOOPBACK);
             Socket client = new Socket(LOOPBACK, server.getLocalPort());
             Socket accepted = server.accept()) {
            pinnedSocket = accepted;
            long t = System.nanoTime();
            Greenlet<String> timed = Gevent.spawn(() -> PinnedUnderTimeout.RESULT);
            timed.join(Duration.ofSeconds(20));
            System.out.println("RESULT timeout outcome=" + timed.value() + " dead=" + timed.dead()
                    + " ms=" + (System.nanoTime() - t) / 1_000_000);

            t = System.nanoTime();
            Greenlet<String> victim = Gevent.spawn(() -> PinnedUntilKilled.RESULT);
            Thread killer = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(200);
                    victim.kill(new GreenletExit("killed from another thread"), false, null);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            victim.join(Duration.ofSeconds(20));
            killer.join();
            System.out.println("RESULT kill outcome=" + victim.value() + " dead=" + victim.dead()
                    + " ms=" + (System.nanoTime() - t) / 1_000_000);
            client.getOutputStream().write(1); // nothing else waits: the program ends
        }
    }

    /** Reads inside a class initializer (pinned) under a 200 ms Timeout. */
    private static final class PinnedUnderTimeout {
        static final String RESULT = readUnderTimeout();
    }

    /** Reads inside a class initializer (pinned) until a kill from another thread arrives. */
    private static final class PinnedUntilKilled {
        static final String RESULT = readUntilKilled();
    }

    private static String readUnderTimeout() {
        try (Timeout ignored = Timeout.start(Duration.ofMillis(200))) {
            return "value:" + pinnedSocket.getInputStream().read();
        } catch (Timeout expired) {
            return "Timeout";
        } catch (IOException e) {
            return e.getClass().getSimpleName();
        }
    }

    private static String readUntilKilled() {
        try {
            return "value:" + pinnedSocket.getInputStream().read();
        } catch (IOException e) {
            return e.getClass().getSimpleName();
        } catch (GreenletExit exit) {
            return "GreenletExit";
        }
    }
}
