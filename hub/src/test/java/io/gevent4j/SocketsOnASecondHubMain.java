package io.gevent4j;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Run in a fresh child JVM by {@link CrossThreadTest}, so that the first socket use of the process
 * happens inside a greenlet: a first hub thread does a loopback echo in greenlets and ends, then a
 * second hub thread does the same. Prints "echo first" and "echo second"; exits 1 if one does not finish.
 */
final class SocketsOnASecondHubMain {
    private SocketsOnASecondHubMain() {
    }

    public static void main(String[] args) throws Exception {
        for (String payload : new String[] {"first", "second"}) {
            CompletableFuture<String> out = new CompletableFuture<>();
            Thread t = Thread.ofPlatform().name("hub-" + payload).start(() -> {
                try {
                    out.complete(Gevent.run(() -> echo(payload)));
                    Hub.current().close();
                } catch (Throwable e) {
                    out.completeExceptionally(e);
                }
            });
            try {
                System.out.println(out.get(20, TimeUnit.SECONDS));
            } catch (java.util.concurrent.TimeoutException e) {
                System.out.println("the echo on hub-" + payload + " did not finish:\n" + Gevent.formatRunInfo());
                System.exit(1);
            }
            t.join();
        }
    }

    private static String echo(String payload) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Greenlet<Void> echo = Gevent.spawn(() -> {
                try (Socket s = server.accept()) {
                    byte[] got = s.getInputStream().readNBytes(payload.length());
                    s.getOutputStream().write(("echo " + new String(got, StandardCharsets.UTF_8))
                            .getBytes(StandardCharsets.UTF_8));
                }
            });
            Greenlet<String> client = Gevent.spawn(() -> {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                    s.getOutputStream().write(payload.getBytes(StandardCharsets.UTF_8));
                    InputStream in = s.getInputStream();
                    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            });
            echo.get();
            return client.get();
        }
    }
}
