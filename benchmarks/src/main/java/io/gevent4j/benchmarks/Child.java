package io.gevent4j.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One benchmark child process: Bench and EchoServerBench start every measurement in a fresh one, echo
 * its output indented, and read its {@code METRIC <name> <value> <unit>} lines.
 */
final class Child {
    static final long TIMEOUT_MINUTES = 15;

    private Child() {
    }

    /**
     * Reads a {@code METRIC <name> <value> <unit>} line.
     *
     * @param line a line of a child's output
     * @return the metric, or null when the line is no METRIC line
     */
    static Workloads.Metric parseMetric(String line) {
        String[] parts = line.trim().split("\\s+");
        if (parts.length != 4 || !parts[0].equals("METRIC")) {
            return null;
        }
        try {
            return new Workloads.Metric(parts[1], Double.parseDouble(parts[2]), parts[3]);
        } catch (NumberFormatException e) {
            return null; // a line that only looks like one: not a figure
        }
    }

    /**
     * Runs a child to its end, echoing its output (stderr merged) indented under a heading.
     *
     * @param heading what runs, printed as {@code # heading}
     * @param command the command line
     * @return the METRIC lines by name; empty when the child failed (the reason is printed)
     * @throws IOException if it cannot be started
     * @throws InterruptedException if interrupted while waiting for it
     */
    static Map<String, Workloads.Metric> run(String heading, List<String> command) throws IOException, InterruptedException {
        System.out.println("# " + heading);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        Map<String, Workloads.Metric> figures = new LinkedHashMap<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                System.out.println("  " + line);
                Workloads.Metric m = parseMetric(line);
                if (m != null) {
                    figures.put(m.name(), m);
                }
            }
        }
        if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            System.out.println("  (did not finish in " + TIMEOUT_MINUTES + " minutes: killed)");
            return Map.of();
        }
        if (p.exitValue() != 0) {
            System.out.println("  (failed with exit code " + p.exitValue() + ")");
            return Map.of();
        }
        return figures;
    }

    /** The JVM running Bench: every JVM child uses the same one. */
    static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }
}
