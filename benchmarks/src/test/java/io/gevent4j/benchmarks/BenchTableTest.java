package io.gevent4j.benchmarks;

import io.gevent4j.benchmarks.Bench.Column;
import io.gevent4j.benchmarks.Bench.Launch;
import io.gevent4j.benchmarks.Bench.Side;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shape of {@code ./gevent4j bench --compare}'s table and command line (not the speed of anything). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BenchTableTest {
    private static final Launch API = new Launch("api", List.of("--add-opens", "java.base/java.lang=ALL-UNNAMED"));
    private static final Launch AGENT = new Launch("agent", List.of("-javaagent:/x/gevent4j-agent.jar"));
    private static final List<Column> COMPARE = List.of(Column.gevent(), Column.virtualThreads(Bench.VT_DEFAULT),
            Column.virtualThreads(Bench.VT_ONE_CARRIER), Column.gevent4j(API), Column.gevent4j(AGENT));

    private static List<String> cells(String line) {
        String inner = line.substring(1, line.length() - 1);
        return List.of(inner.split("\\|", -1)).stream().map(String::trim).toList();
    }

    @Test
    void everyLineHasOneCellPerColumnAndEveryGevent4jColumnItsRatios() {
        Bench.Results r = new Bench.Results();
        r.add("switch_sleep0", "gevent", 1600, "ns/switch");
        r.add("switch_sleep0", "VT default", 300, "ns/switch");
        r.add("switch_sleep0", "VT 1 carrier", 200, "ns/switch");
        r.add("switch_sleep0", "gevent4j api", 100, "ns/switch");
        r.add("switch_sleep0", "gevent4j agent", 400, "ns/switch");
        String table = Bench.table(COMPARE, List.of("switch_sleep0"), r);
        List<String> lines = table.lines().toList();
        assertEquals(3, lines.size(), table);
        assertEquals(List.of("workload (unit)", "gevent", "VT default", "VT 1 carrier", "gevent4j api", "gevent4j agent",
                "api vs best VT", "agent vs best VT", "api vs gevent", "agent vs gevent"), cells(lines.get(0)));
        assertTrue(lines.get(1).matches("\\|(-+\\|)+"), lines.get(1));
        // the better virtual-thread column is the one carrier here: it is marked, and the ratios use it
        assertEquals(List.of("switch_sleep0 (ns/switch)", "1600", "300", "200*", "100", "400",
                "2.00x", "0.50x", "16.00x", "4.00x"), cells(lines.get(2)));
        for (String line : lines) {
            assertEquals(lines.get(0).length(), line.length(), "columns are padded alike: " + table);
        }
    }

    @Test
    void ratesAreBetterHigherAndTheBestVirtualThreadColumnIsTheFaster() {
        Bench.Results r = new Bench.Results();
        r.add("echo", "VT default", 80_000, "msgs/s");
        r.add("echo", "VT 1 carrier", 40_000, "msgs/s");
        r.add("echo", "gevent4j agent", 40_000, "msgs/s");
        List<Column> columns = List.of(Column.virtualThreads(Bench.VT_DEFAULT), Column.virtualThreads(Bench.VT_ONE_CARRIER),
                Column.gevent4j(AGENT));
        List<String> row = cells(Bench.table(columns, List.of("echo"), r).lines().toList().get(2));
        assertEquals(List.of("echo (msgs/s)", "80000*", "40000", "40000", "0.50x"), row);
    }

    @Test
    void aMissingCellIsADashAndAFailedOneSaysSo() {
        Bench.Results r = new Bench.Results();
        r.add("park_memory", "VT default", 757, "bytes/greenlet");
        r.fail("park_memory", "gevent4j api");
        r.add("park_memory", "gevent4j agent", 900, "bytes/greenlet");
        List<String> row = cells(Bench.table(COMPARE, List.of("park_memory"), r).lines().toList().get(2));
        assertEquals(List.of("park_memory (bytes/greenlet)", "-", "757*", "-", "failed", "900", "-", "0.84x", "-", "-"), row);
    }

    @Test
    void cellsAreMediansOfTheRuns() {
        Bench.Results r = new Bench.Results();
        for (double v : new double[] {300, 100, 200}) {
            r.add("spawn_join", "gevent4j agent", v, "ns/greenlet");
        }
        assertEquals(200, r.median("spawn_join", "gevent4j agent"));
        assertEquals(150, Bench.median(List.of(100.0, 200.0)));
        assertNull(r.median("spawn_join", "gevent4j api"));
    }

    @Test
    void withoutCompareTheTableHasOnlyGevent4jColumnsAndNoRatios() {
        Bench.Results r = new Bench.Results();
        r.add("sleepers", "gevent4j agent", 1.4, "x_of_sleep");
        String table = Bench.table(List.of(Column.gevent4j(AGENT)), List.of("sleepers"), r);
        assertEquals(List.of("sleepers (x_of_sleep)", "1.4"), cells(table.lines().toList().get(2)));
    }

    @Test
    void launchModesAreApiAgentThenEveryLaunchPropertyInNameOrder() {
        List<Launch> launches = Bench.gevent4jLaunches(Map.of("gevent4j.agentJar", "/a/agent.jar",
                "gevent4j.bench.launch.patched", "--patch-module java.base=/c/patch -Xbootclasspath/a:/c/dispatch.jar",
                "gevent4j.bench.launch.agent-noop", " -javaagent:/n/noop.jar ", "unrelated", "x"));
        assertEquals(List.of("api", "agent", "agent-noop", "patched"), launches.stream().map(Launch::name).toList());
        assertEquals(List.of("-javaagent:/a/agent.jar"), launches.get(1).jvmFlags());
        assertEquals(List.of("-javaagent:/n/noop.jar"), launches.get(2).jvmFlags());
        assertEquals(List.of("--patch-module", "java.base=/c/patch", "-Xbootclasspath/a:/c/dispatch.jar"), launches.get(3).jvmFlags());
        // without an agent jar there is no agent column
        assertEquals(List.of("api"), Bench.gevent4jLaunches(Map.of()).stream().map(Launch::name).toList());
    }

    @Test
    void compareRunsEveryLaunchModeAndOtherwiseTheDefaultOne() {
        List<Launch> all = List.of(API, AGENT);
        assertEquals(all, Bench.chosenLaunches(Bench.parse(new String[] {"--compare"}), all, "agent"));
        assertEquals(List.of(AGENT), Bench.chosenLaunches(Bench.parse(new String[] {"echo"}), all, "agent"));
        assertEquals(List.of(API), Bench.chosenLaunches(Bench.parse(new String[] {"--compare", "--launch", "api"}), all, "agent"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Bench.chosenLaunches(Bench.parse(new String[] {"--launch", "nope"}), all, "agent"));
        assertTrue(e.getMessage().contains("[api, agent]"), e.getMessage());
    }

    @Test
    void theCommandLineIsCheckedWithAMessageThatSaysWhatToType() {
        Bench.Options o = Bench.parse(new String[] {"all", "--compare", "--runs", "3"});
        assertEquals(3, o.runs());
        assertTrue(o.compare());
        assertTrue(o.names().containsAll(List.of("switch_sleep0", "sleepers_1m", "park_memory", "echo_server")), o.names().toString());
        assertEquals(List.of("skynet"), Bench.parse(new String[] {"skynet"}).names());
        for (String[] bad : List.of(new String[] {"--runs"}, new String[] {"--runs", "x"}, new String[] {"--runs", "0"},
                new String[] {"--fast"}, new String[] {"nosuch"})) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Bench.parse(bad));
            assertTrue(e.getMessage().contains("usage: ./gevent4j bench") || e.getMessage().contains("choose one of"), e.getMessage());
        }
    }

    @Test
    void everyJvmColumnRunsTheSameWarmedUpMainWithOnlyItsOwnFlags() {
        Path home = Path.of("/h");
        List<String> vt1 = Bench.command(Column.virtualThreads(Bench.VT_ONE_CARRIER), "spawn_join", home);
        List<String> agent = Bench.command(Column.gevent4j(AGENT), "spawn_join", home);
        assertTrue(vt1.containsAll(List.of("-Djdk.virtualThreadScheduler.parallelism=1", "-Djdk.virtualThreadScheduler.maxPoolSize=1",
                VirtualThreadWorkloads.class.getName())), vt1.toString());
        // the same heap flags for every JVM column, right after the java binary
        assertEquals(Bench.HEAP, vt1.subList(1, 1 + Bench.HEAP.size()));
        assertEquals(List.of("spawn_join"), vt1.subList(vt1.size() - 1, vt1.size()));
        assertTrue(agent.containsAll(List.of("-javaagent:/x/gevent4j-agent.jar", Workloads.class.getName())), agent.toString());
        assertEquals(Bench.HEAP, agent.subList(1, 1 + Bench.HEAP.size()));
        // a hub group's virtual-thread peer is the JDK scheduler's own echo; gevent has no sleepers_1m
        List<String> vtGroup = Bench.command(Column.virtualThreads(Bench.VT_DEFAULT), "echo_hubgroup", home);
        assertEquals("echo", vtGroup.get(vtGroup.size() - 1));
        assertNull(Bench.command(Column.gevent(), "sleepers_1m", home));
        assertNull(Bench.command(Column.virtualThreads(Bench.VT_DEFAULT), "skynet", home));
        assertEquals(Side.GEVENT4J, Column.gevent4j(API).side());
    }
}
