package io.gevent4j.benchmarks;

import io.gevent4j.benchmarks.EchoServerBench.Kind;
import io.gevent4j.benchmarks.EchoServerBench.Server;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** echo_server: the load generator against real servers on 127.0.0.1, and the table's shape. */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class EchoServerBenchTest {

    /** A server on a platform thread per connection that echoes, optionally corrupting each 10th byte. */
    private static ServerSocket server(boolean corrupt) throws IOException {
        ServerSocket listener = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().start(() -> {
            while (!listener.isClosed()) {
                try {
                    Socket s = listener.accept();
                    Thread.ofPlatform().daemon().start(() -> {
                        try (s) {
                            InputStream in = s.getInputStream();
                            OutputStream out = s.getOutputStream();
                            byte[] buf = new byte[4096];
                            for (int n; (n = in.read(buf)) > 0; ) {
                                if (corrupt && n > 9) {
                                    buf[9] = '?';
                                }
                                out.write(buf, 0, n);
                            }
                        } catch (IOException closedByTheClient) {
                            // the load generator fails its pass and closes: nothing left to echo
                        }
                    });
                } catch (IOException closed) {
                    return;
                }
            }
        });
        return listener;
    }

    @Test
    void theLoadGeneratorEchoesEveryMessageOfEveryConnection() throws Exception {
        try (ServerSocket listener = server(false)) {
            long echoed = EchoLoad.pass(new InetSocketAddress("127.0.0.1", listener.getLocalPort()), 20, 30, 64);
            assertEquals(20 * 30, echoed);
        }
    }

    @Test
    void aWrongEchoFailsThePass() throws Exception {
        try (ServerSocket listener = server(true)) {
            IOException e = assertThrows(IOException.class,
                    () -> EchoLoad.pass(new InetSocketAddress("127.0.0.1", listener.getLocalPort()), 2, 3, 64));
            assertTrue(e.getMessage().contains("wrong echo"), e.getMessage());
        }
    }

    @Test
    void cpuTimeComesFromProcStat() throws Exception {
        long before = EchoLoad.cpuTicks("self");
        long spin = 0;
        for (long t = System.nanoTime(); System.nanoTime() - t < 300_000_000L; ) {
            spin++;
        }
        assertTrue(spin > 0);
        assertTrue(EchoLoad.cpuTicks("self") > before, "300 ms of spinning shows in utime+stime");
        assertTrue(EchoLoad.clockTicksPerSecond() > 0);
    }

    /** Each JVM server starts in its own process, says where it listens and echoes a small load. */
    @Test
    void everyJvmServerRunsUnderTheLoadGenerator() throws Exception {
        Bench.Launch api = new Bench.Launch("api", List.of("--add-opens", "java.base/java.lang=ALL-UNNAMED"));
        List<Server> servers = EchoServerBench.servers(Path.of("."), true, List.of(api), null, null).stream()
                .filter(s -> s.kind() != Kind.PYTHON).toList();
        assertEquals(List.of("VT default", "VT 1 carrier", EchoServerBench.NETTY, "gevent4j 1 hub (api)",
                "gevent4j HubGroup.of(2) (api)"), servers.stream().map(Server::name).toList());
        for (Server s : servers) {
            Map<String, Workloads.Metric> m = EchoServerBench.measure(s, 1, 1, 10, 50, 64);
            assertNotNull(m.get("echo_server"), s.name() + " gave no echo_server figure");
            assertNotNull(m.get("echo_server_cpu"), s.name() + " gave no echo_server_cpu figure");
            assertTrue(m.get("echo_server").value() > 0, s.name());
        }
    }

    /** The Python servers start from their scripts, say where they listen and echo a small load. */
    @Test
    void thePythonServersRunUnderTheLoadGenerator() throws Exception {
        String gevent = Bench.pythonModuleVersion("gevent");
        Assumptions.assumeTrue(gevent != null, "Debian's python3-gevent is not installed (apt-get install -y python3-gevent)");
        List<Server> servers = EchoServerBench.servers(Path.of(System.getProperty("user.dir")).getParent(), true, List.of(), gevent,
                Bench.pythonModuleVersion("uvloop")).stream().filter(s -> s.kind() == Kind.PYTHON).toList();
        assertEquals(2, servers.size(), servers.toString());
        for (Server s : servers) {
            Map<String, Workloads.Metric> m = EchoServerBench.measure(s, 1, 1, 10, 50, 64);
            assertNotNull(m.get("echo_server"), s.name() + " gave no echo_server figure");
            assertTrue(m.get("echo_server").value() > 0, s.name());
        }
    }

    @Test
    void withoutUvloopTheAsyncioRowSaysItIsPlainAsyncio() {
        List<String> names = EchoServerBench.servers(Path.of("."), true, List.of(), "22.10.2", null).stream()
                .map(Server::name).toList();
        assertTrue(names.contains("asyncio, PLAIN (no uvloop)"), names.toString());
        assertTrue(names.contains("gevent 22.10.2 StreamServer"), names.toString());
    }

    @Test
    void theTableGivesCpuAgainstNettyAndTheBetterVirtualThreadServer() {
        List<Server> servers = List.of(new Server("VT default", Kind.VIRTUAL_THREADS, List.of()),
                new Server("VT 1 carrier", Kind.VIRTUAL_THREADS, List.of()),
                new Server(EchoServerBench.NETTY, Kind.NETTY, List.of()),
                new Server("gevent4j 1 hub (agent)", Kind.GEVENT4J, List.of()));
        Bench.Results r = new Bench.Results();
        double[][] figures = {{60_000, 12}, {80_000, 8}, {90_000, 6}, {70_000, 9}};
        for (int i = 0; i < servers.size(); i++) {
            r.add("msgs/s", servers.get(i).name(), figures[i][0], "msgs/s");
            r.add("cpu", servers.get(i).name(), figures[i][1], "us/msg");
        }
        List<String> lines = EchoServerBench.table(servers, r).lines().toList();
        assertEquals(2 + servers.size(), lines.size());
        assertTrue(lines.get(0).contains("CPU ÷ Netty's") && lines.get(0).contains("CPU ÷ best VT's"), lines.get(0));
        assertTrue(lines.get(3).matches("\\| VT 1 carrier \\* +\\| 80000 +\\| 8\\.00 +\\| 1\\.33 +\\| 1\\.00 +\\|"), lines.get(3));
        assertTrue(lines.get(5).matches("\\| gevent4j 1 hub \\(agent\\) +\\| 70000 +\\| 9\\.00 +\\| 1\\.50 +\\| 1\\.13 +\\|"), lines.get(5));
    }
}
