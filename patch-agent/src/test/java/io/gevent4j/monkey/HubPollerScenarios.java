package io.gevent4j.monkey;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import io.gevent4j.internal.loop.FdPoller;
import io.gevent4j.internal.loop.Loop;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * The child program of {@link HubPollerIT}: plain blocking sockets in greenlets, run under the agent
 * with and without {@code nohubpoller}. Each scenario prints one {@code RESULT <name> key=value ...}
 * line (or {@code FAIL <name> ...}); the test reads them. Main runs as the root greenlet (the agent's
 * main patch), so main's own waits let the other greenlets run.
 */
public final class HubPollerScenarios {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final Duration LIMIT = Duration.ofSeconds(30);

    private HubPollerScenarios() {
    }


    /**
     * Runs the scenarios named in {@code args} (all when none is given).
     *
     * @param args scenario names
     * @throws Exception never on purpose: each scenario reports its own failure
     */
    public static void main(String[] args) throws Exception {
        Map<String, ChildScenarios.Scenario> scenarios = new LinkedHashMap<>();
        scenarios.put("route", HubPollerScenarios::route);
        scenarios.put("echo", HubPollerScenarios::echo);
        scenarios.put("close", HubPollerScenarios::closeWhileWaiting);
        scenarios.put("timeout", HubPollerScenarios::soTimeout);
        scenarios.put("kill", HubPollerScenarios::killWhileWaiting);
        scenarios.put("interrupt", HubPollerScenarios::interruptWhileWaiting);
        scenarios.put("write", HubPollerScenarios::writeWaitsForRoom);
        scenarios.put("connect", HubPollerScenarios::connectTimeout);
        scenarios.put("pinned", HubPollerScenarios::pinnedRead);
        scenarios.put("reuse", HubPollerScenarios::fdReusedByANewSocket);
        scenarios.put("edge", HubPollerScenarios::timeoutThenData);
        scenarios.put("eof", HubPollerScenarios::endOfInputAfterAShortRead);
        scenarios.put("urgent", HubPollerScenarios::dataAfterUrgentData);
        ChildScenarios.run("hubpoller", args, scenarios);
    }

    /** A connected pair: [client, accepted]. */
    private static Socket[] pair() throws IOException {
        try (ServerSocket server = new ServerSocket(0, 10, LOOPBACK)) {
            Socket client = new Socket(LOOPBACK, server.getLocalPort());
            return new Socket[] {client, server.accept()};
        }
    }

    private static FdPoller hubPoller() {
        return Loop.current().pollerOrNull();
    }

    private static long hubWaits() {
        FdPoller p = hubPoller();
        return p == null ? 0 : p.waitCount();
    }

    private static int hubWaiting() {
        FdPoller p = hubPoller();
        return p == null ? 0 : p.waiting();
    }

    /** Threads registered with the JDK's own read and write pollers right now. */
    private static int jdkRegistered() throws ReflectiveOperationException {
        Class<?> poller = Class.forName("sun.nio.ch.Poller");
        Method registered = poller.getMethod("registered");
        registered.setAccessible(true); // sun.nio.ch is opened (not exported) to us by the agent
        int sum = 0;
        for (String list : List.of("readPollers", "writePollers")) {
            Method pollers = poller.getMethod(list);
            pollers.setAccessible(true);
            for (Object p : (List<?>) pollers.invoke(null)) {
                sum += (int) registered.invoke(p);
            }
        }
        return sum;
    }

    /** Registrations in the hub's epoll (its eventfd included), as the kernel lists them; -1 without a poller. */
    private static int epollRegistrations() throws IOException {
        FdPoller p = hubPoller();
        if (p == null) {
            return -1;
        }
        List<String> lines = Files.readAllLines(Path.of("/proc/self/fdinfo/" + p.epollFd()));
        return (int) lines.stream().filter(l -> l.startsWith("tfd:")).count();
    }

    /** Lets the other greenlets run until {@code condition} holds (bounded by {@link #LIMIT}). */
    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("gave up waiting until " + what);
            }
            Gevent.sleep(1);
        }
    }

    /** A greenlet blocked reading: where does its wait live, the hub's epoll or the JDK's pollers? */
    private static String route() throws Exception {
        Socket[] p = pair();
        try (Socket client = p[0]; Socket accepted = p[1]) {
            Greenlet<Integer> reader = Gevent.spawn(() -> accepted.getInputStream().read());
            Gevent.sleep(0);
            await(() -> {
                try {
                    return hubWaiting() + jdkRegistered() > 0;
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            }, "the reader waits");
            String where = "hubWaiting=" + hubWaiting() + " jdkRegistered=" + jdkRegistered();
            client.getOutputStream().write(5);
            reader.join(LIMIT);
            return where + " value=" + reader.value() + " hubWaits=" + hubWaits();
        }
    }

    private static void echoServe(Socket socket) throws IOException {
        try (socket) {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            byte[] buf = new byte[4096];
            for (int n; (n = in.read(buf)) > 0; ) {
                out.write(buf, 0, n);
            }
        }
    }

    /** 200 clients x 50 round trips against a server, all greenlets of this hub. */
    private static String echo() throws Exception {
        int clients = 200;
        int msgs = 50;
        long waitsBefore = hubWaits();
        try (ServerSocket server = new ServerSocket(0, 1024, LOOPBACK)) {
            Greenlet<Void> acceptor = Gevent.spawn(() -> {
                for (int i = 0; i < clients; i++) {
                    Socket s = server.accept();
                    Gevent.spawn(() -> echoServe(s));
                }
            });
            List<Greenlet<Integer>> cs = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int id = c;
                cs.add(Gevent.spawn(() -> {
                    int ok = 0;
                    try (Socket s = new Socket(LOOPBACK, server.getLocalPort())) {
                        byte[] msg = ("client " + id + " message ").getBytes();
                        byte[] back = new byte[msg.length];
                        for (int i = 0; i < msgs; i++) {
                            s.getOutputStream().write(msg);
                            int got = 0;
                            while (got < back.length) {
                                int n = s.getInputStream().read(back, got, back.length - got);
                                if (n < 0) {
                                    throw new IOException("server closed early");
                                }
                                got += n;
                            }
                            if (Arrays.equals(msg, back)) {
                                ok++;
                            }
                        }
                    }
                    return ok;
                }));
            }
            Gevent.joinAll(cs, LIMIT);
            acceptor.join(LIMIT);
            int ok = 0;
            int dead = 0;
            for (Greenlet<Integer> g : cs) {
                if (g.dead()) {
                    dead++;
                    if (g.exception() != null) {
                        throw new IllegalStateException("a client failed", g.exception());
                    }
                    ok += g.value();
                }
            }
            return "finished=" + dead + " roundTrips=" + ok + " hubWaits=" + (hubWaits() - waitsBefore);
        }
    }

    /** A greenlet blocked reading is woken by another greenlet closing the socket. */
    private static String closeWhileWaiting() throws Exception {
        Socket[] p = pair();
        try (Socket client = p[0]; Socket accepted = p[1]) {
            Greenlet<Integer> reader = Gevent.spawn(() -> accepted.getInputStream().read());
            Gevent.sleep(0);
            await(() -> reader.hub().inspect().threadOf(reader) != null && reader.hub().inspect().threadOf(reader).getState() == Thread.State.WAITING, "the reader waits");
            long t = System.nanoTime();
            accepted.close();
            reader.join(LIMIT);
            Throwable e = reader.exception();
            return "dead=" + reader.dead() + " exception=" + (e == null ? "none" : e.getClass().getName())
                    + " message=" + (e == null ? "none" : e.getMessage().replace(' ', '_'))
                    + " ms=" + (System.nanoTime() - t) / 1_000_000 + " hubWaiting=" + hubWaiting();
        }
    }

    /** setSoTimeout applies, and the hub keeps running other greenlets meanwhile. */
    private static String soTimeout() throws Exception {
        Socket[] p = pair();
        try (Socket client = p[0]; Socket accepted = p[1]) {
            accepted.setSoTimeout(300);
            int[] ticks = new int[1];
            boolean[] done = new boolean[1];
            Greenlet<Void> ticker = Gevent.spawn(() -> {
                while (!done[0]) {
                    ticks[0]++;
                    Gevent.sleep(10);
                }
            });
            long t = System.nanoTime();
            Greenlet<Integer> reader = Gevent.spawn(() -> accepted.getInputStream().read());
            reader.join(LIMIT);
            long ms = (System.nanoTime() - t) / 1_000_000;
            done[0] = true;
            ticker.join(LIMIT);
            Throwable e = reader.exception();
            // the socket is still usable after a read timeout
            client.getOutputStream().write(9);
            int after = accepted.getInputStream().read();
            return "exception=" + (e == null ? "none" : e.getClass().getName()) + " ms=" + ms + " ticks=" + ticks[0]
                    + " readAfter=" + after + " hubWaiting=" + hubWaiting();
        }
    }

    /**
     * A greenlet killed while it waits leaves its fd registered in the hub's epoll (the hub keeps socket
     * fds registered between waits) until the socket is closed, and the socket works on.
     */
    private static String killWhileWaiting() throws Exception {
        Socket[] p = pair();
        try (Socket client = p[0]; Socket accepted = p[1]) {
            int idle = epollRegistrations();
            Greenlet<Integer> reader = Gevent.spawn(() -> accepted.getInputStream().read());
            Gevent.sleep(0);
            await(() -> reader.hub().inspect().threadOf(reader) != null && reader.hub().inspect().threadOf(reader).getState() == Thread.State.WAITING, "the reader waits");
            int whileWaiting = epollRegistrations();
            int waiting = hubWaiting();
            reader.kill();
            int afterKill = epollRegistrations();
            Greenlet<Integer> second = Gevent.spawn(() -> accepted.getInputStream().read());
            Gevent.sleep(0);
            client.getOutputStream().write(3);
            second.join(LIMIT);
            String result = "killed=" + reader.killed() + " idle=" + idle + " whileWaiting=" + whileWaiting + " waiting=" + waiting
                    + " afterKill=" + afterKill + " hubWaiting=" + hubWaiting() + " open=" + !accepted.isClosed()
                    + " secondRead=" + second.value();
            accepted.close();
            return result + " afterClose=" + epollRegistrations();
        }
    }

    /** The fd of a socket of this JVM, read from its {@code java.io.FileDescriptor} (sun.nio.ch's view). */
    private static int fdOf(Socket socket) throws ReflectiveOperationException {
        Object impl = fieldValue(Socket.class, socket, "impl");
        // a Socket's impl is a NioSocketImpl, or a delegating wrapper around one
        Object nio = impl.getClass().getName().endsWith("NioSocketImpl") ? impl
                : fieldValue(impl.getClass().getSuperclass(), impl, "delegate");
        java.io.FileDescriptor fd = (java.io.FileDescriptor) fieldValue(java.net.SocketImpl.class, nio, "fd");
        return (int) fieldValue(java.io.FileDescriptor.class, fd, "fd");
    }

    private static Object fieldValue(Class<?> type, Object target, String name) throws ReflectiveOperationException {
        java.lang.reflect.Field f = type.getDeclaredField(name);
        f.setAccessible(true);
        return f.get(target);
    }

    /**
     * A socket whose fd the hub kept registered is closed, and a new socket gets the same fd number (the
     * kernel dropped the old registration with the close): a greenlet reading the new socket must still
     * be woken by its data.
     */
    private static String fdReusedByANewSocket() throws Exception {
        Socket[] first = pair();
        int[] oldFds = {fdOf(first[0]), fdOf(first[1])};
        for (Socket s : first) { // a wait on each: both fds are now kept in the hub's epoll
            Socket peer = s == first[0] ? first[1] : first[0];
            Greenlet<Integer> reader = Gevent.spawn(() -> s.getInputStream().read());
            Gevent.sleep(0);
            peer.getOutputStream().write(1);
            reader.join(LIMIT);
        }
        first[0].close();
        first[1].close();
        Socket[] second = pair();
        try (Socket a = second[0]; Socket b = second[1]) {
            boolean reused = false;
            int reads = 0;
            for (Socket s : second) {
                int fd = fdOf(s);
                reused |= fd == oldFds[0] || fd == oldFds[1];
                Socket peer = s == a ? b : a;
                s.setSoTimeout(10_000); // a lost wake-up fails the scenario instead of hanging it
                Greenlet<Integer> reader = Gevent.spawn(() -> s.getInputStream().read());
                Gevent.sleep(0);
                peer.getOutputStream().write(2);
                reader.join(LIMIT);
                if (reader.exception() != null) {
                    throw new IllegalStateException("a read on a socket that reuses an old fd failed", reader.exception());
                }
                reads += reader.value() == 2 ? 1 : 0;
            }
            return "reused=" + reused + " reads=" + reads + " hubWaiting=" + hubWaiting();
        }
    }

    /** Reads until EOF with a buffer larger than what comes; "bytes/eof", or what went wrong. */
    private static Greenlet<String> readToEnd(Socket s) {
        return Gevent.spawn(() -> {
            byte[] buf = new byte[4096];
            int got = 0;
            try {
                for (int n; (n = s.getInputStream().read(buf)) > 0; ) {
                    got += n;
                }
                return got + "/eof";
            } catch (SocketTimeoutException e) {
                return got + "/timeout"; // a lost wake-up after a short read
            }
        });
    }

    /**
     * Short reads (the buffer is larger than the data) followed by the end of input: the data and the
     * peer's shutdown arriving together while the reader waits, and the shutdown arriving after the
     * reader has read the data and waits again. Both readers see the data, then EOF.
     */
    private static String endOfInputAfterAShortRead() throws Exception {
        Socket[] p = pair();
        Socket[] q = pair();
        try (Socket c1 = p[0]; Socket a1 = p[1]; Socket c2 = q[0]; Socket a2 = q[1]) {
            a1.setSoTimeout(10_000);
            a2.setSoTimeout(10_000);
            Greenlet<String> together = readToEnd(a1);
            Gevent.sleep(0); // the reader waits
            c1.getOutputStream().write(new byte[10]);
            c1.shutdownOutput();
            Greenlet<String> later = readToEnd(a2);
            Gevent.sleep(0);
            c2.getOutputStream().write(new byte[10]);
            Gevent.sleep(20); // the reader reads the 10 bytes and waits again
            c2.shutdownOutput();
            together.join(LIMIT);
            later.join(LIMIT);
            return "together=" + together.value() + " later=" + later.value() + " hubWaiting=" + hubWaiting();
        }
    }

    /**
     * Data, an urgent byte (out of band: the reader does not see it) and more data arrive together
     * while the reader waits: a read stops at the urgent mark with data left behind, and the data
     * after it must still be read.
     */
    private static String dataAfterUrgentData() throws Exception {
        Socket[] p = pair();
        try (Socket client = p[0]; Socket accepted = p[1]) {
            accepted.setSoTimeout(5_000);
            Greenlet<String> reader = Gevent.spawn(() -> {
                byte[] buf = new byte[4096];
                StringBuilder got = new StringBuilder();
                try {
                    while (got.length() < 6) {
                        int n = accepted.getInputStream().read(buf);
                        if (n < 0) {
                            return got + "/eof";
                        }
                        got.append(new String(buf, 0, n, java.nio.charset.StandardCharsets.US_ASCII));
                    }
                    return got.toString();
                } catch (SocketTimeoutException e) {
                    return got + "/timeout";
                }
            });
            Gevent.sleep(0); // the reader waits
            OutputStream out = client.getOutputStream();
            out.write("abc".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            client.sendUrgentData('!');
            out.write("def".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            reader.join(LIMIT);
            return "read=" + reader.value() + " hubWaiting=" + hubWaiting();
        }
    }

    /**
     * A read times out; then data comes while nobody reads, and later while a reader waits: both are
     * read; and a read that then finds nothing still times out (a remembered readiness that the data
     * already used up does not end it).
     */
    private static String timeoutThenData() throws Exception {
        Socket[] p = pair();
        try (Socket client = p[0]; Socket accepted = p[1]) {
            accepted.setSoTimeout(100);
            String first;
            try {
                first = "value:" + accepted.getInputStream().read();
            } catch (SocketTimeoutException e) {
                first = "timeout";
            }
            client.getOutputStream().write(4);
            Gevent.sleep(20); // the hub polls meanwhile and sees the data with no reader waiting
            int whileNobodyRead = accepted.getInputStream().read();
            accepted.setSoTimeout(10_000);
            Greenlet<Integer> reader = Gevent.spawn(() -> accepted.getInputStream().read());
            Gevent.sleep(0);
            client.getOutputStream().write(5);
            reader.join(LIMIT);
            accepted.setSoTimeout(200);
            long t = System.nanoTime();
            String last;
            try {
                last = "value:" + accepted.getInputStream().read();
            } catch (SocketTimeoutException e) {
                last = "timeout";
            }
            return "first=" + first + " whileNobodyRead=" + whileNobodyRead + " waited=" + reader.value() + " last=" + last
                    + " lastMs=" + (System.nanoTime() - t) / 1_000_000 + " hubWaiting=" + hubWaiting();
        }
    }

    /** Thread.interrupt of a greenlet blocked reading: the JDK's behaviour (socket closed by interrupt). */
    private static String interruptWhileWaiting() throws Exception {
        Socket[] p = pair();
        try (Socket client = p[0]; Socket accepted = p[1]) {
            AtomicReference<Thread> thread = new AtomicReference<>();
            Greenlet<Integer> reader = Gevent.spawn(() -> {
                thread.set(Thread.currentThread());
                return accepted.getInputStream().read();
            });
            Gevent.sleep(0);
            await(() -> thread.get() != null && thread.get().getState() == Thread.State.WAITING, "the reader waits");
            thread.get().interrupt();
            reader.join(LIMIT);
            Throwable e = reader.exception();
            return "exception=" + (e == null ? "none" : e.getClass().getName()) + " message="
                    + (e == null ? "none" : String.valueOf(e.getMessage()).replace(' ', '_'))
                    + " closed=" + accepted.isClosed() + " hubWaiting=" + hubWaiting();
        }
    }

    /** A write that fills the socket buffers waits for room (POLLOUT) until the peer greenlet drains it. */
    private static String writeWaitsForRoom() throws Exception {
        Socket[] p = pair();
        try (Socket client = p[0]; Socket accepted = p[1]) {
            int total = 16 * 1024 * 1024;
            Greenlet<Void> writer = Gevent.spawn(() -> {
                byte[] chunk = new byte[64 * 1024];
                Arrays.fill(chunk, (byte) 1);
                OutputStream out = client.getOutputStream();
                for (int sent = 0; sent < total; sent += chunk.length) {
                    out.write(chunk);
                }
                client.shutdownOutput();
            });
            Gevent.sleep(0);
            await(() -> writer.hub().inspect().threadOf(writer) != null && writer.hub().inspect().threadOf(writer).getState() == Thread.State.WAITING,
                    "the writer waits for room");
            boolean writerWasBlocked = !writer.dead();
            Greenlet<Long> reader = Gevent.spawn(() -> {
                long got = 0;
                byte[] buf = new byte[64 * 1024];
                InputStream in = accepted.getInputStream();
                for (int n; (n = in.read(buf)) > 0; ) {
                    got += n;
                }
                return got;
            });
            Gevent.joinAll(List.of(writer, reader), LIMIT);
            if (writer.exception() != null) {
                throw new IllegalStateException("the writer failed", writer.exception());
            }
            return "writerWasBlocked=" + writerWasBlocked + " received=" + reader.value() + " expected=" + total
                    + " hubWaiting=" + hubWaiting();
        }
    }

    /**
     * A connect that cannot complete (the listener's accept queue is full, so the SYN is dropped) waits
     * for POLLOUT until its timeout, while the hub runs another greenlet.
     */
    private static String connectTimeout() throws Exception {
        List<Socket> filling = new ArrayList<>();
        try (ServerSocket server = new ServerSocket(0, 1, LOOPBACK)) {
            int[] ticks = new int[1];
            boolean[] done = new boolean[1];
            Greenlet<Void> ticker = Gevent.spawn(() -> {
                while (!done[0]) {
                    ticks[0]++;
                    Gevent.sleep(10);
                }
            });
            int hubWaitingDuringConnect = 0;
            for (int i = 0; i < 20; i++) {
                Socket s = new Socket();
                filling.add(s);
                long t = System.nanoTime();
                int[] seen = new int[1];
                Greenlet<Void> watcher = Gevent.spawn(() -> {
                    Gevent.sleep(100);
                    seen[0] = hubWaiting();
                });
                try {
                    s.connect(new InetSocketAddress(LOOPBACK, server.getLocalPort()), 400);
                    watcher.kill();
                } catch (SocketTimeoutException timedOut) {
                    long ms = (System.nanoTime() - t) / 1_000_000;
                    watcher.join(LIMIT);
                    hubWaitingDuringConnect = seen[0];
                    done[0] = true;
                    ticker.join(LIMIT);
                    return "timedOut=true connectsBefore=" + i + " ms=" + ms + " ticks=" + ticks[0]
                            + " hubWaitingDuringConnect=" + hubWaitingDuringConnect;
                }
            }
            done[0] = true;
            ticker.join(LIMIT);
            return "timedOut=false";
        } finally {
            for (Socket s : filling) {
                s.close();
            }
        }
    }

    /** The socket the class initializers below read from. */
    private static volatile Socket pinnedSocket;

    /** Reads in its static initializer: a greenlet initializing it is pinned to the hub's thread. */
    private static final class PinnedRead {
        static final String RESULT = readInInitializer();
    }

    /** The same, with a read timeout set on the socket and no data coming. */
    private static final class PinnedTimeout {
        static final String RESULT = readInInitializer();
    }

    private static String readInInitializer() {
        try {
            return "value:" + pinnedSocket.getInputStream().read();
        } catch (IOException e) {
            return e.getClass().getName();
        }
    }

    /**
     * A greenlet that waits for a socket inside a class initializer cannot unmount: the hub's thread
     * itself must wait for the data, which a platform thread sends 200 ms later; a read timeout there
     * still applies.
     */
    private static String pinnedRead() throws Exception {
        Socket[] p = pair();
        try (Socket client = p[0]; Socket accepted = p[1]) {
            pinnedSocket = accepted;
            Thread writer = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(200);
                    client.getOutputStream().write(6);
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            Greenlet<String> reader = Gevent.spawn(() -> PinnedRead.RESULT);
            reader.join(LIMIT);
            writer.join();
            accepted.setSoTimeout(200);
            long t = System.nanoTime();
            Greenlet<String> timed = Gevent.spawn(() -> PinnedTimeout.RESULT);
            timed.join(LIMIT);
            long ms = (System.nanoTime() - t) / 1_000_000;
            return "read=" + reader.value() + " timeout=" + timed.value() + " ms=" + ms + " hubWaiting=" + hubWaiting();
        }
    }
}
