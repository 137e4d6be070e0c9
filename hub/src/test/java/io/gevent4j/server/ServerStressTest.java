package io.gevent4j.server;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.testsupport.ChildJvm;
import io.gevent4j.testsupport.FreshHub;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * StreamServer under stress, loopback only and bounded: many concurrent connections through a pool, a
 * slowloris client against the idle timeout, descriptor exhaustion (EMFILE) in a child JVM with a low
 * {@code ulimit -n}, and a graceful stop under load.
 */
@ExtendWith(FreshHub.class)
@Timeout(120)
class ServerStressTest {
    @Test
    void tenThousandConcurrentConnectionsThroughAPoolOfAThousand() throws Exception {
        // 10,000 client sockets plus up to 1,000 accepted ones live in the child at once: it needs ~11,000
        // descriptors, so its shell raises the soft limit first (or the test is skipped when it cannot).
        ChildJvm.Result r = ChildJvm.runWithFdLimit(20_000, List.of("-Xmx512m"), 110, ManyConnectionsMain.class, "10000", "1000");
        Assumptions.assumeFalse(r.exitCode() == 97, "cannot raise ulimit -n to 20000 here (hard limit "
                + "too low); the 10,000-connection test needs it: " + r.output());
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("ok=10000 "), r.output());
        int maxHandlers = Integer.parseInt(r.output().replaceAll("(?s).*maxHandlers=(\\d+).*", "$1"));
        assertTrue(maxHandlers <= 1000 && maxHandlers > 1, "the pool bounds the handlers: " + r.output());
    }

    @Test
    void aSlowlorisClientIsDroppedByTheIdleTimeoutWhileOthersAreServed() throws Exception {
        try (StreamServer server = new StreamServer(ServerTestSupport.anyPort(), (socket, peer) ->
                ServerTestSupport.writeLine(socket, "got " + ServerTestSupport.readLine(socket)))
                .readTimeout(Duration.ofMillis(300)).start()) {
            Greenlet<Long> slow = Gevent.spawn(() -> {
                try (Socket s = new Socket(ServerTestSupport.LOOPBACK, server.port())) {
                    long t = System.nanoTime();
                    OutputStream out = s.getOutputStream();
                    s.setSoTimeout(1000);
                    // one byte a second, never a whole line: the server must not wait for it forever
                    for (int i = 0; i < 10; i++) {
                        out.write('x');
                        try {
                            if (s.getInputStream().read() == -1) {
                                return (System.nanoTime() - t) / 1_000_000;
                            }
                        } catch (SocketTimeoutException stillOpen) {
                            // a second went by with the connection still open: send the next byte
                        }
                    }
                    return -1L;
                }
            });
            Greenlet<String> fast = Gevent.spawn(() -> {
                try (Socket s = new Socket(ServerTestSupport.LOOPBACK, server.port())) {
                    ServerTestSupport.writeLine(s, "hello");
                    return ServerTestSupport.readLine(s);
                }
            });
            assertEquals("got hello", fast.get());
            long droppedAfter = slow.get();
            assertTrue(droppedAfter > 0 && droppedAfter < 3_000, "the slow client was dropped after " + droppedAfter + " ms");
            ServerTestSupport.awaitCondition("no connection left", Duration.ofSeconds(5), () -> server.connectionCount() == 0);
        }
    }

    @Test
    void acceptBacksOffUnderDescriptorExhaustionAndRecovers() throws Exception {
        List<String> command = List.of("/bin/sh", "-c", "ulimit -n 128 || exit 97; exec "
                + String.join(" ", ChildJvm.command(List.of("-Xshare:off"), EmfileMain.class).stream()
                .map(p -> "'" + p + "'").toList()));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        StringBuilder output = new StringBuilder();
        List<Socket> clients = new ArrayList<>();
        Thread reader = null;
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String first = out.readLine();
            Assumptions.assumeFalse(first == null && child.waitFor(10, TimeUnit.SECONDS) && child.exitValue() == 97,
                    "cannot set ulimit -n 128");
            assertTrue(first != null && first.startsWith("port="), "child said: " + first);
            int port = Integer.parseInt(first.substring(5));
            reader = Thread.ofPlatform().daemon().start(() -> {
                try {
                    for (String line; (line = out.readLine()) != null; ) {
                        synchronized (output) {
                            output.append(line).append('\n');
                        }
                    }
                } catch (IOException e) {
                    synchronized (output) {
                        output.append(e);
                    }
                }
            });
            int total = 160; // more connections than the child's 128 descriptors can hold
            for (int i = 0; i < total; i++) {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
                ServerTestSupport.writeLine(s, "hello " + i);
                clients.add(s);
            }
            // phase 1: the server answers until it runs out of descriptors
            List<Socket> served = new ArrayList<>();
            for (Socket s : clients) {
                s.setSoTimeout(1_500);
                try {
                    assertTrue(ServerTestSupport.readLine(s).startsWith("hello "));
                    served.add(s);
                } catch (SocketTimeoutException notAccepted) {
                    break;
                }
            }
            assertTrue(served.size() < total, "the child ran out of descriptors (served " + served.size() + ")");
            assertTrue(served.size() > 10, "it served some before (" + served.size() + ")");
            // phase 2: free descriptors; the backed-off accept loop must pick up everyone else
            for (Socket s : served) {
                s.close();
            }
            for (Socket s : clients) {
                if (!served.contains(s)) {
                    s.setSoTimeout(20_000);
                    assertTrue(ServerTestSupport.readLine(s).startsWith("hello "));
                }
            }
            synchronized (output) {
                assertTrue(output.toString().contains("Too many open files"), "the EMFILE was reported: " + output);
                assertEquals(1, output.toString().split(": accept failed with", -1).length - 1,
                        "reported once per episode: " + output);
            }
            child.getOutputStream().write("stop\n".getBytes(StandardCharsets.UTF_8));
            child.getOutputStream().flush();
            for (Socket s : clients) {
                s.close();
            }
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the child stops");
            assertEquals(0, child.exitValue(), output::toString);
        } catch (IOException | AssertionError e) {
            // let the reader collect what the child printed last: its stdout ends when the child is gone
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
            if (reader != null) {
                reader.join(Duration.ofSeconds(10));
            }
            synchronized (output) {
                throw new AssertionError(e + "; the child printed:\n" + output, e);
            }
        } finally {
            for (Socket s : clients) {
                s.close();
            }
            child.destroyForcibly();
        }
    }

    @Test
    void aGracefulStopUnderLoadLosesNoAcceptedConnectionsReply() throws Exception {
        Set<String> handled = ConcurrentHashMap.newKeySet();
        StreamServer server = new StreamServer(ServerTestSupport.anyPort(), (socket, peer) -> {
            String line = ServerTestSupport.readLine(socket);
            handled.add(line);
            Gevent.sleep(100); // the stop arrives while the handlers work
            ServerTestSupport.writeLine(socket, "done " + line);
        }).backlog(1024).start();
        int port = server.port();
        List<Greenlet<String>> clients = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            String message = "req " + i;
            clients.add(Gevent.spawn(() -> {
                try (Socket s = new Socket(ServerTestSupport.LOOPBACK, port)) {
                    ServerTestSupport.writeLine(s, message);
                    String reply = ServerTestSupport.readLine(s);
                    return reply == null ? null : reply.substring("done ".length());
                }
            }));
        }
        ServerTestSupport.awaitCondition("50 handlers running", Duration.ofSeconds(10), () -> handled.size() >= 50);
        server.stop(Duration.ofSeconds(10));
        Gevent.joinAll(clients, Duration.ofSeconds(20));
        Set<String> replied = ConcurrentHashMap.newKeySet();
        for (Greenlet<String> c : clients) {
            if (c.successful() && c.value() != null) {
                replied.add(c.value());
            }
        }
        assertEquals(handled, replied, "every request a handler took was answered, and only those");
        assertTrue(handled.size() >= 50);
    }
}
