package io.gevent4j.monkey.programs;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Main itself does blocking socket I/O against a server that is a spawned greenlet, while another
 * greenlet ticks every 10 ms: main connects, sends 41, and reads the answer (42, sent by the server
 * greenlet 300 ms later). Prints {@code reply} (42, or {@code timeout} if main's read held the hub's
 * thread so that the server greenlet never ran) and {@code ticksWhileMainRead}. Args: readTimeoutMs.
 */
public final class MainSocketIo {
    private MainSocketIo() {
    }

    /**
     * Runs the program; prints its findings as {@code key=value} lines.
     *
     * @param args see the class comment
     * @throws Exception whatever the program throws (the child's exit status then shows it)
     */
    public static void main(String[] args) throws Exception {
        int readTimeout = Integer.parseInt(args[0]);
        InetAddress loopback = InetAddress.getLoopbackAddress();
        AtomicInteger ticks = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        try (ServerSocket server = new ServerSocket(0, 50, loopback)) {
            Gevent.spawn(() -> {
                try (Socket peer = server.accept()) {
                    int b = peer.getInputStream().read();
                    Thread.sleep(300);
                    peer.getOutputStream().write(b + 1);
                }
            });
            Greenlet<Void> ticker = Gevent.spawn(() -> {
                while (!stop.get()) {
                    Thread.sleep(10);
                    ticks.incrementAndGet();
                }
            });
            try (Socket client = new Socket(loopback, server.getLocalPort())) {
                client.setSoTimeout(readTimeout);
                OutputStream out = client.getOutputStream();
                InputStream in = client.getInputStream();
                out.write(41);
                int before = ticks.get();
                String reply;
                try {
                    reply = String.valueOf(in.read());
                } catch (SocketTimeoutException e) {
                    reply = "timeout";
                }
                System.out.println("ticksWhileMainRead=" + (ticks.get() - before));
                System.out.println("reply=" + reply);
            }
            stop.set(true);
            Gevent.joinAll(List.of(ticker), null, true, 1);
        }
    }
}
