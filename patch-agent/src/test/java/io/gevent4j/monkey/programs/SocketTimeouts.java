package io.gevent4j.monkey.programs;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code setSoTimeout} still applies to blocking sockets in greenlets: a read from a peer that never
 * writes, and an accept that nobody connects to, end with {@code SocketTimeoutException} after the
 * timeout, while another greenlet keeps ticking. Prints {@code read}, {@code accept} (what happened and
 * after how long) and {@code ticks}. Args: timeoutMs.
 */
public final class SocketTimeouts {
    private SocketTimeouts() {
    }

    /**
     * Runs the program; prints its findings as {@code key=value} lines.
     *
     * @param args see the class comment
     * @throws Exception whatever the program throws (the child's exit status then shows it)
     */
    public static void main(String[] args) throws Exception {
        int timeout = Integer.parseInt(args[0]);
        InetAddress loopback = InetAddress.getLoopbackAddress();
        AtomicInteger ticks = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        try (ServerSocket silent = new ServerSocket(0, 50, loopback); ServerSocket lonely = new ServerSocket(0, 50, loopback)) {
            Greenlet<Void> ticker = Gevent.spawn(() -> {
                while (!stop.get()) {
                    Thread.sleep(10);
                    ticks.incrementAndGet();
                }
            });
            Greenlet<String> reader = Gevent.spawn(() -> {
                // the connection sits in the silent server's backlog: nobody accepts it, nobody writes
                try (Socket client = new Socket(loopback, silent.getLocalPort())) {
                    client.setSoTimeout(timeout);
                    return outcome(() -> client.getInputStream().read());
                }
            });
            Greenlet<String> acceptor = Gevent.spawn(() -> {
                lonely.setSoTimeout(timeout);
                return outcome(() -> lonely.accept().close());
            });
            Gevent.joinAll(List.of(reader, acceptor));
            stop.set(true);
            Gevent.joinAll(List.of(ticker), null, true, 1);
            System.out.println("read=" + reader.get());
            System.out.println("accept=" + acceptor.get());
            System.out.println("ticks=" + ticks.get());
        }
    }

    private interface Blocking {
        void call() throws Exception;
    }

    private static String outcome(Blocking call) throws Exception {
        long t0 = System.nanoTime();
        try {
            call.call();
            return "returned";
        } catch (SocketTimeoutException e) {
            return "SocketTimeoutException:" + (System.nanoTime() - t0) / 1_000_000;
        }
    }
}
