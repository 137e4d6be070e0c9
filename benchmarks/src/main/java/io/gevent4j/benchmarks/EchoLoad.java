package io.gevent4j.benchmarks;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * echo_server's load generator, the same program against every server: {@code conns} connections,
 * each sending {@code msgs} messages of {@code size} bytes and reading each echo back (and checking it)
 * before sending the next, all from ONE thread with a NIO {@link Selector} (non-blocking sockets, so
 * the generator costs one core at most and needs neither threads nor a scheduler of its own).
 *
 * <p>It runs the load twice: once unmeasured (the server's JIT warm-up, as every JVM workload of Bench
 * has one), then measured. Around the measured pass it reads the server's CPU time (utime + stime of
 * {@code /proc/<server pid>/stat}, all of its threads) and prints:
 * <pre>
 * METRIC echo_server &lt;messages per second&gt; msgs/s
 * METRIC echo_server_cpu &lt;server CPU µs per message&gt; us/msg
 * </pre>
 * and, as a comment, its own CPU per message (to tell whether the generator was the limit).
 *
 * <p>Usage: {@code EchoLoad PORT SERVER_PID [CONNS [MSGS [SIZE]]]}, defaults 200 500 64.
 */
public final class EchoLoad {
    private static final long STALL_MILLIS = 30_000;

    private EchoLoad() {
    }

    /** One connection's state: what it sent, how much of the echo is back, how many round trips are done. */
    private static final class Connection {
        final SocketChannel channel;
        final ByteBuffer out;
        final ByteBuffer in;
        int done;

        Connection(SocketChannel channel, int size) {
            this.channel = channel;
            this.out = ByteBuffer.allocateDirect(size);
            this.in = ByteBuffer.allocateDirect(size);
        }

        /** The message {@code i}: its first byte is {@code i}'s low byte, the rest 'x' (checks order and content). */
        void fill(int i) {
            out.clear();
            out.put((byte) i);
            while (out.hasRemaining()) {
                out.put((byte) 'x');
            }
            out.flip();
        }

        void check() throws IOException {
            in.flip();
            boolean ok = in.get(0) == (byte) done;
            for (int j = 1; ok && j < in.limit(); j++) {
                ok = in.get(j) == 'x';
            }
            if (!ok) {
                throw new IOException("echo_server: connection " + channel.getLocalAddress() + " got a wrong echo for message " + done);
            }
            in.clear();
        }
    }

    /**
     * One pass: opens the connections, runs every round trip, closes them.
     *
     * @return the number of messages echoed
     */
    static long pass(InetSocketAddress server, int conns, int msgs, int size) throws IOException {
        try (Selector selector = Selector.open()) {
            List<Connection> all = new ArrayList<>(conns);
            try {
                for (int i = 0; i < conns; i++) {
                    SocketChannel ch = SocketChannel.open(server);
                    ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    ch.configureBlocking(false);
                    Connection c = new Connection(ch, size);
                    all.add(c);
                    ch.register(selector, SelectionKey.OP_READ, c);
                }
                for (Connection c : all) {
                    c.fill(0);
                    send(c, selector);
                }
                int open = conns;
                long echoed = 0;
                while (open > 0) {
                    if (selector.select(STALL_MILLIS) == 0) {
                        throw new IOException("echo_server: no echo for " + STALL_MILLIS / 1000 + " s with " + open
                                + " connections still open; is the server stuck?");
                    }
                    for (SelectionKey key : selector.selectedKeys()) {
                        Connection c = (Connection) key.attachment();
                        if (key.isWritable()) {
                            send(c, selector);
                        }
                        if (key.isReadable() && receive(c, msgs, selector)) {
                            echoed++;
                            if (c.done == msgs) {
                                key.cancel();
                                c.channel.close();
                                open--;
                            }
                        }
                    }
                    selector.selectedKeys().clear();
                }
                return echoed;
            } finally {
                for (Connection c : all) {
                    c.channel.close();
                }
            }
        }
    }

    /** Writes what is left of the connection's message; waits for OP_WRITE if the socket is full. */
    private static void send(Connection c, Selector selector) throws IOException {
        c.channel.write(c.out);
        SelectionKey key = c.channel.keyFor(selector);
        key.interestOps(c.out.hasRemaining() ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
    }

    /** Reads what arrived; on a complete echo checks it and sends the next message. {@return whether an echo completed} */
    private static boolean receive(Connection c, int msgs, Selector selector) throws IOException {
        int n = c.channel.read(c.in);
        if (n < 0) {
            throw new IOException("echo_server: the server closed a connection after " + c.done + " of " + msgs + " messages");
        }
        if (c.in.hasRemaining()) {
            return false;
        }
        c.check();
        c.done++;
        if (c.done < msgs) {
            c.fill(c.done);
            send(c, selector);
        }
        return true;
    }

    /**
     * {@return utime + stime of a process in clock ticks, from /proc/PID/stat}
     *
     * @param pid the process, or "self"
     */
    static long cpuTicks(String pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", pid, "stat"), StandardCharsets.US_ASCII);
        // the command name (field 2) is in parentheses and may hold spaces: count the fields after its ')'
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15: utime, stime
    }

    /** {@return the kernel's clock ticks per second (getconf CLK_TCK)} */
    static long clockTicksPerSecond() {
        String out = Bench.firstLine(List.of("getconf", "CLK_TCK"));
        if (out == null) {
            throw new IllegalStateException("echo_server: 'getconf CLK_TCK' failed; it needs Linux with getconf (libc-bin)");
        }
        return Long.parseLong(out.trim());
    }

    /**
     * @param args {@code PORT SERVER_PID [CONNS [MSGS [SIZE]]]}
     * @throws Exception if the server misbehaves
     */
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: EchoLoad PORT SERVER_PID [CONNS [MSGS [SIZE]]]");
            System.exit(2);
        }
        InetSocketAddress server = new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0]));
        String pid = args[1];
        int conns = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        int msgs = args.length > 3 ? Integer.parseInt(args[3]) : 500;
        int size = args.length > 4 ? Integer.parseInt(args[4]) : 64;
        long hz = clockTicksPerSecond();

        pass(server, conns, msgs, size); // warm-up, unmeasured

        long serverBefore = cpuTicks(pid);
        long selfBefore = cpuTicks("self");
        long t = System.nanoTime();
        long echoed = pass(server, conns, msgs, size);
        double seconds = (System.nanoTime() - t) / 1e9;
        long serverTicks = cpuTicks(pid) - serverBefore;
        long selfTicks = cpuTicks("self") - selfBefore;

        Workloads.check(echoed == (long) conns * msgs, "echo_server echoed " + echoed + " of " + (long) conns * msgs);
        double serverMicros = serverTicks * 1e6 / hz / echoed;
        System.out.printf(Locale.ROOT, "# %d connections x %d messages of %d bytes in %.2f s; server CPU %.2f s"
                        + " (%d ticks of 1/%d s), load generator CPU %.2f s = %.1f us/msg%n",
                conns, msgs, size, seconds, serverTicks / (double) hz, serverTicks, hz, selfTicks / (double) hz,
                selfTicks * 1e6 / hz / echoed);
        System.out.println(new Workloads.Metric("echo_server", echoed / seconds, "msgs/s"));
        System.out.println(String.format(Locale.ROOT, "METRIC echo_server_cpu %.2f us/msg", serverMicros));
    }
}
