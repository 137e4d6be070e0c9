package io.gevent4j.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./gevent4j bench [NAME|all] [--compare]}: runs the workloads on gevent4j, each in a fresh JVM
 * under the agent; with {@code --compare} also on plain JDK virtual threads and on Python gevent
 * ({@code /usr/bin/python3} with Debian's {@code python3-gevent}), and prints one table with the
 * ratios. Every figure of the table comes from the same run on the same machine.
 */
public final class Bench {
    private static final String PYTHON = "/usr/bin/python3";
    private static final long CHILD_TIMEOUT_MINUTES = 15;
    /** The workloads that workloads.py has; the others (park_memory, sleepers_1m) have no gevent figure. */
    private static final Set<String> GEVENT_WORKLOADS = Set.of("spawn_join", "switch_sleep0", "queue_pingpong", "sleepers", "echo");

    private Bench() {
    }

    /**
     * @param args {@code [NAME|all] [--compare]}
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        String name = "all";
        boolean compare = false;
        for (String arg : args) {
            if (arg.equals("--compare")) {
                compare = true;
            } else if (arg.startsWith("-")) {
                System.err.println("unknown option " + arg + "; usage: ./gevent4j bench [NAME|all] [--compare]");
                System.exit(2);
            } else {
                name = arg;
            }
        }
        List<String> names = name.equals("all") ? List.copyOf(Workloads.all().keySet()) : List.of(name);
        for (String n : names) {
            if (!Workloads.all().containsKey(n) && !Workloads.stress().containsKey(n)) {
                System.err.println("unknown workload '" + n + "'; choose one of " + Workloads.all().keySet() + ", all, or one of "
                        + Workloads.stress().keySet());
                System.exit(2);
            }
        }
        Path home = Path.of(System.getProperty("gevent4j.home", "."));
        String agent = System.getProperty("gevent4j.agentJar", "");
        Path script = home.resolve("benchmarks/gevent/workloads.py");
        boolean gevent = compare && geventAvailable();
        if (compare && !gevent) {
            System.out.println("# Python gevent is not installed: install it with 'sudo apt-get install -y python3-gevent'"
                    + " (Debian's package, run with /usr/bin/python3); comparing with virtual threads only.");
        }
        Map<String, String[]> rows = new LinkedHashMap<>();
        for (String n : names) {
            String[] row = new String[3];
            // gevent4j-only workloads (echo_hubgroup, the stress workloads) have no gevent or VT figure
            boolean ownOnly = !VirtualThreadWorkloads.all().containsKey(n);
            if (gevent && !ownOnly && GEVENT_WORKLOADS.contains(n)) {
                row[0] = run("gevent", List.of(PYTHON, script.toString(), n), n);
            }
            if (compare && !ownOnly) {
                row[1] = run("virtual threads", javaCommand(null, "io.gevent4j.benchmarks.VirtualThreadWorkloads", n), n);
            }
            row[2] = run("gevent4j (" + System.getProperty("gevent4j.launch", "agent") + " launch)",
                    javaCommand(agent, "io.gevent4j.benchmarks.Workloads", n), n);
            rows.put(n, row);
        }
        if (compare) {
            System.out.println();
            System.out.println(table(rows));
        }
    }

    private static List<String> javaCommand(String agentJar, String mainClass, String workload) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("-Xmx4g");
        boolean withAgentJar = agentJar != null && !agentJar.isEmpty() && Files.exists(Path.of(agentJar));
        String patchedArgs = System.getProperty("gevent4j.patchedArgs", "");
        if (withAgentJar && "patched".equals(System.getProperty("gevent4j.launch")) && !patchedArgs.isEmpty()) {
            // ./gevent4j's patched launch: the JDK classes woven ahead of time, no agent
            cmd.add("@" + patchedArgs);
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path") + java.io.File.pathSeparator + agentJar);
            cmd.add("io.gevent4j.monkey.internal.PatchedLaunch");
            cmd.add(mainClass);
            cmd.add(workload);
            return cmd;
        }
        if (withAgentJar) {
            cmd.add("-javaagent:" + agentJar);
        } else {
            cmd.add("--add-opens");
            cmd.add("java.base/java.lang=ALL-UNNAMED");
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.add(workload);
        return cmd;
    }

    /** Runs one child, echoes its output, and returns the value of its METRIC line. */
    private static String run(String who, List<String> command, String workload) throws IOException, InterruptedException {
        System.out.println("# " + workload + " on " + who);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String value = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                System.out.println("  " + line);
                String[] parts = line.trim().split("\\s+");
                if (parts.length == 4 && parts[0].equals("METRIC") && parts[1].equals(workload)) {
                    value = parts[2] + " " + parts[3];
                }
            }
        }
        if (!p.waitFor(CHILD_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException(workload + " on " + who + " did not finish in " + CHILD_TIMEOUT_MINUTES + " minutes");
        }
        if (p.exitValue() != 0 || value == null) {
            System.out.println("  (" + who + " failed with exit code " + p.exitValue() + ")");
            return null;
        }
        return value;
    }

    private static boolean geventAvailable() {
        try {
            Process p = new ProcessBuilder(PYTHON, "-c", "import gevent").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** The comparison table; ratios are "how many times better gevent4j is" (higher is better). */
    static String table(Map<String, String[]> rows) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "| %-15s | %-22s | %-22s | %-22s | %-9s | %-9s |%n",
                "workload", "gevent", "virtual threads", "gevent4j", "vs gevent", "vs VT"));
        out.append("|-----------------|------------------------|------------------------|------------------------|-----------|-----------|\n");
        for (Map.Entry<String, String[]> e : rows.entrySet()) {
            String[] r = e.getValue();
            out.append(String.format(Locale.ROOT, "| %-15s | %-22s | %-22s | %-22s | %-9s | %-9s |%n", e.getKey(),
                    orDash(r[0]), orDash(r[1]), orDash(r[2]), ratio(r[0], r[2]), ratio(r[1], r[2])));
        }
        return out.toString();
    }

    private static String orDash(String s) {
        return s == null ? "-" : s;
    }

    /** other/ours for costs (ns/..., x_of_sleep, bytes/...), ours/other for rates (.../s). */
    static String ratio(String other, String ours) {
        if (other == null || ours == null) {
            return "-";
        }
        double o = Double.parseDouble(other.split(" ")[0]);
        double g = Double.parseDouble(ours.split(" ")[0]);
        boolean rate = ours.endsWith("/s");
        double r = rate ? g / o : o / g;
        return String.format(Locale.ROOT, "%.2fx", r);
    }
}
