package io.gevent4j.benchmarks;

import io.gevent4j.benchmarks.Bench.Launch;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code ./gevent4j bench echo_server [--compare] [--runs N]}: every server in a process of its own,
 * under the same load generator ({@link EchoLoad}, another process: 200 connections x 500 round trips
 * of 64 bytes, one unmeasured pass and one measured), so that no server shares its process, or its
 * runtime, with its clients. The table gives messages per second and the server's CPU time per message
 * (from /proc/PID/stat), with the CPU against Netty's and against the better virtual-thread server's.
 *
 * <p>Servers: gevent4j on one hub and on {@code HubGroup.of(2)} in every chosen launch mode; with
 * {@code --compare} also gevent's StreamServer, asyncio on uvloop (plain asyncio, labelled, if uvloop
 * is missing), a virtual-thread server on the default scheduler and on one carrier, and Netty 4.2 on
 * one epoll event loop.
 */
final class EchoServerBench {
    static final String NAME = "echo_server";
    static final int CONNS = 200;
    static final int MSGS = 500;
    static final int SIZE = 64;
    private static final long LISTEN_TIMEOUT_SECONDS = 120;
    /** The load generator's JVM: no agent, nothing patched, the JDK's own NIO. */
    private static final Launch LOAD_GENERATOR = new Launch("load generator", List.of());
    static final String NETTY = "Netty 4.2 epoll, 1 event loop";

    private EchoServerBench() {
    }

    /** What a server row is, for the ratios. */
    enum Kind {
        /** A Python server. */
        PYTHON,
        /** The virtual-thread server. */
        VIRTUAL_THREADS,
        /** Netty. */
        NETTY,
        /** gevent4j. */
        GEVENT4J
    }

    /**
     * A server of the table.
     *
     * @param name its row name
     * @param kind what it is
     * @param command how its process starts
     */
    record Server(String name, Kind kind, List<String> command) {
    }

    /** {@return the servers to measure, in row order} */
    static List<Server> servers(Path home, boolean compare, List<Launch> launches, String geventVersion, String uvloopVersion) {
        Path python = home.resolve("benchmarks/src/main/python");
        List<Server> s = new ArrayList<>();
        if (compare) {
            if (geventVersion != null) {
                s.add(new Server("gevent " + geventVersion + " StreamServer", Kind.PYTHON,
                        List.of(Bench.PYTHON, python.resolve("echo_server_gevent.py").toString())));
            }
            s.add(uvloopVersion != null
                    ? new Server("asyncio + uvloop " + uvloopVersion, Kind.PYTHON,
                            List.of(Bench.PYTHON, python.resolve("echo_server_asyncio.py").toString(), "uvloop"))
                    : new Server("asyncio, PLAIN (no uvloop)", Kind.PYTHON,
                            List.of(Bench.PYTHON, python.resolve("echo_server_asyncio.py").toString(), "plain")));
            for (Launch scheduler : List.of(Bench.VT_DEFAULT, Bench.VT_ONE_CARRIER)) {
                s.add(new Server("VT " + scheduler.name(), Kind.VIRTUAL_THREADS,
                        Bench.javaCommand(scheduler, EchoServers.class.getName(), List.of("vthreads"))));
            }
            s.add(new Server(NETTY, Kind.NETTY,
                    Bench.javaCommand(new Launch("netty", List.of("--enable-native-access=ALL-UNNAMED")), EchoServers.class.getName(), List.of("netty"))));
        }
        for (Launch l : launches) {
            s.add(new Server("gevent4j 1 hub (" + l.name() + ")", Kind.GEVENT4J,
                    Bench.javaCommand(l, EchoServers.class.getName(), List.of("gevent4j"))));
            s.add(new Server("gevent4j HubGroup.of(" + EchoServers.HUBS + ") (" + l.name() + ")", Kind.GEVENT4J,
                    Bench.javaCommand(l, EchoServers.class.getName(), List.of("gevent4j_hubgroup"))));
        }
        return s;
    }

    /**
     * Measures every server {@code runs} times and prints the table.
     *
     * @return whether every measurement succeeded
     */
    static boolean run(Path home, boolean compare, int runs, List<Launch> launches) throws IOException, InterruptedException {
        String geventVersion = compare ? Bench.pythonModuleVersion("gevent") : null;
        String uvloopVersion = compare ? Bench.pythonModuleVersion("uvloop") : null;
        if (compare && geventVersion == null) {
            System.out.println("# echo_server: Python gevent is not installed (sudo apt-get install -y python3-gevent): no gevent row");
        }
        if (compare && uvloopVersion == null) {
            System.out.println("# echo_server: uvloop is not installed (sudo apt-get install -y python3-uvloop):"
                    + " the asyncio row runs asyncio's own event loop and says so");
        }
        List<Server> servers = servers(home, compare, launches, geventVersion, uvloopVersion);
        String header = Bench.runLine(home, runs) + describe(servers, runs);
        System.out.println();
        System.out.print(header);
        Bench.Results results = new Bench.Results();
        boolean ok = true;
        for (int run = 1; run <= runs; run++) {
            for (Server s : servers) {
                Map<String, Workloads.Metric> m = measure(s, run, runs);
                Workloads.Metric rate = m.get("echo_server");
                Workloads.Metric cpu = m.get("echo_server_cpu");
                if (rate == null || cpu == null) {
                    ok = false;
                    results.fail("cpu", s.name());
                    results.fail("msgs/s", s.name());
                } else {
                    results.add("msgs/s", s.name(), rate.value(), rate.unit());
                    results.add("cpu", s.name(), cpu.value(), cpu.unit());
                }
            }
        }
        System.out.println();
        System.out.print(header);
        System.out.println(table(servers, results));
        List<String> spread = new ArrayList<>();
        for (Server s : servers) {
            List<Double> cpu = results.values("cpu", s.name());
            if (cpu.size() > 1) {
                spread.add("# runs of " + s.name() + ": msgs/s " + String.join(" ", results.values("msgs/s", s.name()).stream()
                        .map(v -> String.format(Locale.ROOT, "%.0f", v)).toList()) + "; CPU us/msg " + String.join(" ",
                        cpu.stream().map(v -> String.format(Locale.ROOT, "%.2f", v)).toList()));
            }
        }
        spread.forEach(System.out::println);
        System.out.println("CPU ÷ X: the server's CPU per message over X's (lower is better; issue 17's targets for gevent4j:"
                + " <= 1.2 against Netty, <= 0.5 against the better virtual-thread server).");
        return ok;
    }

    /** Starts the server, waits for its LISTENING line, runs the load generator against it, ends it. */
    static Map<String, Workloads.Metric> measure(Server s, int run, int runs) throws IOException, InterruptedException {
        return measure(s, run, runs, CONNS, MSGS, SIZE);
    }

    /** {@link #measure(Server, int, int)} with another load (tests use a small one). */
    static Map<String, Workloads.Metric> measure(Server s, int run, int runs, int conns, int msgs, int size)
            throws IOException, InterruptedException {
        System.out.println("# echo_server: " + s.name() + " (run " + run + " of " + runs + ")");
        Process server = new ProcessBuilder(s.command()).redirectErrorStream(true).start();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread output = Thread.ofPlatform().daemon().name("echo_server output").start(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    System.out.println("  [server] " + line);
                    if (line.startsWith("LISTENING ")) {
                        port.complete(Integer.parseInt(line.substring("LISTENING ".length()).trim()));
                    }
                }
                port.completeExceptionally(new IOException("the server ended before it listened (exit code "
                        + server.waitFor() + ")"));
            } catch (IOException | InterruptedException | NumberFormatException e) {
                port.completeExceptionally(e);
            }
        });
        try {
            int p;
            try {
                p = port.get(LISTEN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                System.out.println("  (the server did not print LISTENING in " + LISTEN_TIMEOUT_SECONDS + " s)");
                return Map.of();
            } catch (java.util.concurrent.ExecutionException e) {
                System.out.println("  (" + e.getCause().getMessage() + ")");
                return Map.of();
            }
            return Child.run("load generator against " + s.name() + " (pid " + server.pid() + ", port " + p + ")",
                    Bench.javaCommand(LOAD_GENERATOR, EchoLoad.class.getName(), List.of(Integer.toString(p),
                            Long.toString(server.pid()), Integer.toString(conns), Integer.toString(msgs), Integer.toString(size))));
        } finally {
            server.destroy();
            if (!server.waitFor(20, TimeUnit.SECONDS)) {
                server.destroyForcibly();
                server.waitFor(20, TimeUnit.SECONDS);
            }
            output.join(TimeUnit.SECONDS.toMillis(20));
        }
    }

    /**
     * The table: msgs/s and server CPU µs/msg (medians), and the CPU over Netty's and over the better
     * virtual-thread server's (the lower CPU per message).
     */
    static String table(List<Server> servers, Bench.Results results) {
        String netty = servers.stream().filter(s -> s.kind() == Kind.NETTY).map(Server::name).findFirst().orElse(null);
        String bestVt = null;
        for (Server s : servers) {
            Double cpu = results.median("cpu", s.name());
            if (s.kind() == Kind.VIRTUAL_THREADS && cpu != null
                    && (bestVt == null || cpu < results.median("cpu", bestVt))) {
                bestVt = s.name();
            }
        }
        List<String> heading = new ArrayList<>(List.of("server (its own process)", "msgs/s", "server CPU us/msg"));
        if (netty != null) {
            heading.add("CPU ÷ Netty's");
        }
        if (bestVt != null) {
            heading.add("CPU ÷ best VT's");
        }
        List<List<String>> rows = new ArrayList<>();
        for (Server s : servers) {
            List<String> row = new ArrayList<>();
            row.add(s.name() + (s.name().equals(bestVt) ? " *" : ""));
            row.add(cell(results, "msgs/s", s.name(), "%.0f"));
            row.add(cell(results, "cpu", s.name(), "%.2f"));
            if (netty != null) {
                row.add(over(results.median("cpu", s.name()), results.median("cpu", netty)));
            }
            if (bestVt != null) {
                row.add(over(results.median("cpu", s.name()), results.median("cpu", bestVt)));
            }
            rows.add(row);
        }
        return Bench.markdown(heading, rows);
    }

    private static String cell(Bench.Results results, String what, String server, String format) {
        Double m = results.median(what, server);
        return m != null ? String.format(Locale.ROOT, format, m) : results.failed(what, server) ? "failed" : "-";
    }

    private static String over(Double a, Double b) {
        return a == null || b == null || b == 0 ? "-" : String.format(Locale.ROOT, "%.2f", a / b);
    }

    static String describe(List<Server> servers, int runs) {
        StringBuilder out = new StringBuilder();
        out.append("# echo_server: ").append(runs).append(runs == 1 ? " run" : " runs (medians)").append(" per server;")
                .append(" each run a fresh server process and a fresh load generator process (EchoLoad: one NIO thread, ")
                .append(CONNS).append(" connections x ").append(MSGS).append(" round trips of ").append(SIZE)
                .append(" bytes, once unmeasured, then measured); server CPU = utime+stime of /proc/PID/stat over the measured pass\n");
        Map<String, String> seen = new LinkedHashMap<>();
        for (Server s : servers) {
            seen.put(s.name(), String.join(" ", s.command().stream().map(EchoServerBench::shortArg).toList()));
        }
        seen.forEach((name, cmd) -> out.append(String.format(Locale.ROOT, "#   %-34s %s%n", name, cmd)));
        return out.toString();
    }

    /** The class path is long and the same for every JVM: the description leaves it out. */
    private static String shortArg(String arg) {
        return arg.equals(System.getProperty("java.class.path")) ? "<class path>" : arg;
    }
}
