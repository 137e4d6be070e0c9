package io.gevent4j.benchmarks;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./gevent4j bench [NAME|all] [--compare] [--runs N] [--launch A,B]}: runs the workloads, each
 * measurement in a fresh process, and prints one table of medians.
 *
 * <p>Columns ({@link Column}): gevent4j once per launch mode ({@link #gevent4jLaunches}: API mode, the
 * agent, and any mode the launcher adds with {@code -Dgevent4j.bench.launch.<name>=<JVM flags>}); with
 * {@code --compare} also plain JDK virtual threads on the default scheduler and on one carrier, and
 * Python gevent ({@code /usr/bin/python3} with Debian's {@code python3-gevent}). Every JVM column runs
 * the same {@code Workloads.runMain}: unmeasured runs of the workload for at least 2 s (at least one),
 * then the measured one, in the same JVM. Ratios are taken within the run, against the better of the two virtual-thread columns.
 *
 * <p>{@code echo_server} ({@link EchoServerBench}) is a second table: servers in their own process
 * under one shared load generator.
 */
public final class Bench {
    static final String PYTHON = "/usr/bin/python3";
    /**
     * The heap flags of every JVM column, alike: a 4 GB heap with a 2 GB young generation, so that the
     * million short-lived greenlets or threads of sleepers_1m are born and die between young collections
     * instead of being copied by G1, whose default young generation here is a few hundred MB; every page
     * of the heap touched at start ({@code -XX:+AlwaysPreTouch}), so that no measured run pays the kernel's
     * first-touch page faults of heap it is the first to use (a 0.1 s spawn_join run measured 140 ns a
     * spawn on reused heap, 250 ns after the pre-measurement GC, 1,350 ns on never-touched eden).
     * {@code -Dgevent4j.bench.heap=...} replaces them (e.g. {@code -Xmx4g} alone, the earlier runs' flags).
     */
    static final String DEFAULT_HEAP = "-Xmx4g -Xmn2g -XX:+AlwaysPreTouch";
    static final List<String> HEAP = Arrays.stream(System.getProperty("gevent4j.bench.heap", DEFAULT_HEAP).trim().split("\\s+"))
            .filter(f -> !f.isEmpty()).toList();
    /** The workloads that workloads.py has; the others (park_memory, sleepers_1m) have no gevent figure. */
    private static final Set<String> GEVENT_WORKLOADS = Set.of("spawn_join", "switch_sleep0", "queue_pingpong", "sleepers", "echo");
    /** System properties naming further gevent4j launch modes: {@code gevent4j.bench.launch.<name>=<JVM flags>}. */
    static final String LAUNCH_PROPERTY_PREFIX = "gevent4j.bench.launch.";
    static final String USAGE = "usage: ./gevent4j bench [NAME|all] [--compare] [--runs N] [--launch NAME[,NAME...]]";

    private Bench() {
    }

    /** Which kind of program a column runs. */
    enum Side {
        /** Python gevent: benchmarks/gevent/workloads.py. */
        GEVENT,
        /** {@link VirtualThreadWorkloads} in a JVM. */
        VIRTUAL_THREADS,
        /** {@link Workloads} in a JVM. */
        GEVENT4J
    }

    /**
     * A way to start a JVM.
     *
     * @param name the name in the table (gevent4j's launch mode, or the virtual-thread scheduler)
     * @param jvmFlags the flags it adds to {@code java <heap flags> -cp ...}
     * @param extraClassPath appended to the class path, or "" (the patched launch needs the agent jar)
     * @param mainPrefix what comes before the workload's main class, e.g. the patched launch's launcher
     *        main, which then runs the workload's main as the root greenlet
     */
    record Launch(String name, List<String> jvmFlags, String extraClassPath, List<String> mainPrefix) {
        Launch {
            jvmFlags = List.copyOf(jvmFlags);
            mainPrefix = List.copyOf(mainPrefix);
        }

        Launch(String name, List<String> jvmFlags) {
            this(name, jvmFlags, "", List.of());
        }
    }

    /** The launcher main of the patched launch (patch-agent's PatchedLaunch): runs a main as the root greenlet. */
    static final String PATCHED_LAUNCH_MAIN = "io.gevent4j.monkey.internal.PatchedLaunch";

    /**
     * A column of the table.
     *
     * @param name the column's heading
     * @param side what it runs
     * @param launch for a JVM column, how its JVM starts; null for gevent
     */
    record Column(String name, Side side, Launch launch) {
        static Column gevent() {
            return new Column("gevent", Side.GEVENT, null);
        }

        static Column virtualThreads(Launch scheduler) {
            return new Column("VT " + scheduler.name(), Side.VIRTUAL_THREADS, scheduler);
        }

        static Column gevent4j(Launch mode) {
            return new Column("gevent4j " + mode.name(), Side.GEVENT4J, mode);
        }
    }

    /** Virtual threads on the JDK's default scheduler (a ForkJoinPool with one carrier per core). */
    static final Launch VT_DEFAULT = new Launch("default", List.of());
    /** Virtual threads on one carrier: the fair peer of one hub. */
    static final Launch VT_ONE_CARRIER = new Launch("1 carrier",
            List.of("-Djdk.virtualThreadScheduler.parallelism=1", "-Djdk.virtualThreadScheduler.maxPoolSize=1"));

    /**
     * gevent4j's launch modes, one column each (and one echo_server row each): API mode (no agent), the
     * agent ({@code -Dgevent4j.agentJar}), then every {@code -Dgevent4j.bench.launch.<name>=<JVM flags>}
     * in name order (flags separated by spaces). A new launch mode is one such {@code -D} in the
     * launcher's bench case.
     *
     * @param properties the system properties
     * @return the launch modes, in column order
     */
    static List<Launch> gevent4jLaunches(Map<String, String> properties) {
        List<Launch> launches = new ArrayList<>();
        launches.add(new Launch("api", List.of("--add-opens", "java.base/java.lang=ALL-UNNAMED")));
        String agent = properties.getOrDefault("gevent4j.agentJar", "");
        if (!agent.isEmpty()) {
            launches.add(new Launch("agent", List.of("-javaagent:" + agent)));
            // ./gevent4j's patched launch: the JDK's classes woven ahead of time (no agent); the
            // launcher passes the woven cache's argument file
            String patchedArgs = properties.getOrDefault("gevent4j.patchedArgs", "");
            if (!patchedArgs.isEmpty()) {
                launches.add(new Launch("patched", List.of("@" + patchedArgs), agent, List.of(PATCHED_LAUNCH_MAIN)));
            }
        }
        Map<String, String> extra = new TreeMap<>();
        properties.forEach((k, v) -> {
            if (k.startsWith(LAUNCH_PROPERTY_PREFIX) && k.length() > LAUNCH_PROPERTY_PREFIX.length()) {
                extra.put(k.substring(LAUNCH_PROPERTY_PREFIX.length()), v);
            }
        });
        extra.forEach((name, flags) -> {
            launches.removeIf(l -> l.name().equals(name)); // a property may redefine api or agent
            launches.add(new Launch(name, Arrays.stream(flags.trim().split("\\s+")).filter(f -> !f.isEmpty()).toList()));
        });
        return launches;
    }

    static Map<String, String> systemProperties() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String k : System.getProperties().stringPropertyNames()) {
            m.put(k, System.getProperty(k));
        }
        return m;
    }

    /** The parsed command line. */
    record Options(List<String> names, boolean compare, int runs, List<String> launchNames) {
    }

    /**
     * Parses {@code [NAME|all] [--compare] [--runs N] [--launch A,B]}.
     *
     * @param args the arguments
     * @return the options
     * @throws IllegalArgumentException with a message that says what to type instead
     */
    static Options parse(String[] args) {
        String name = "all";
        boolean compare = false;
        int runs = 1;
        List<String> launchNames = List.of();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--compare" -> compare = true;
                case "--runs" -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("--runs needs a count, e.g. --runs 3; " + USAGE);
                    }
                    try {
                        runs = Integer.parseInt(args[++i]);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--runs needs a whole number, not '" + args[i] + "'; " + USAGE);
                    }
                    if (runs < 1) {
                        throw new IllegalArgumentException("--runs needs at least 1, not " + runs + "; " + USAGE);
                    }
                }
                case "--launch" -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("--launch needs launch mode names, e.g. --launch agent; " + USAGE);
                    }
                    launchNames = List.of(args[++i].split(","));
                }
                default -> {
                    if (arg.startsWith("-")) {
                        throw new IllegalArgumentException("unknown option " + arg + "; " + USAGE);
                    }
                    name = arg;
                }
            }
        }
        List<String> names;
        if (name.equals("all")) {
            names = new ArrayList<>(Workloads.all().keySet());
            names.add(EchoServerBench.NAME);
        } else if (Workloads.all().containsKey(name) || Workloads.stress().containsKey(name) || name.equals(EchoServerBench.NAME)) {
            names = List.of(name);
        } else {
            throw new IllegalArgumentException("unknown workload '" + name + "'; choose one of " + Workloads.all().keySet()
                    + ", " + EchoServerBench.NAME + ", all, or one of " + Workloads.stress().keySet());
        }
        return new Options(names, compare, runs, launchNames);
    }

    /**
     * The launch modes to run: those named by {@code --launch}, else all of them with {@code --compare},
     * else the default one ({@code -Dgevent4j.bench.defaultLaunch}, "agent" unless the launcher says).
     */
    static List<Launch> chosenLaunches(Options options, List<Launch> all, String defaultLaunch) {
        List<String> wanted = !options.launchNames().isEmpty() ? options.launchNames()
                : options.compare() ? all.stream().map(Launch::name).toList() : List.of(defaultLaunch);
        List<Launch> chosen = new ArrayList<>();
        for (String w : wanted) {
            Launch l = all.stream().filter(x -> x.name().equals(w)).findFirst().orElseThrow(() -> new IllegalArgumentException(
                    "unknown launch mode '" + w + "'; this launcher has " + all.stream().map(Launch::name).toList()
                            + (w.equals("agent") ? " (the agent jar is missing: build it with './gevent4j install')" : "")));
            chosen.add(l);
        }
        return chosen;
    }

    /**
     * @param args {@code [NAME|all] [--compare] [--runs N] [--launch A,B]}
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        Options options;
        List<Launch> launches;
        try {
            options = parse(args);
            launches = chosenLaunches(options, gevent4jLaunches(systemProperties()),
                    System.getProperty("gevent4j.bench.defaultLaunch", "agent"));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        Path home = Path.of(System.getProperty("gevent4j.home", "."));
        String geventVersion = options.compare() ? pythonModuleVersion("gevent") : null;
        if (options.compare() && geventVersion == null) {
            System.out.println("# Python gevent is not installed: install it with 'sudo apt-get install -y python3-gevent'"
                    + " (Debian's package, run with " + PYTHON + "); comparing the rest without it.");
        }
        List<Column> columns = new ArrayList<>();
        if (geventVersion != null) {
            columns.add(Column.gevent());
        }
        if (options.compare()) {
            columns.add(Column.virtualThreads(VT_DEFAULT));
            columns.add(Column.virtualThreads(VT_ONE_CARRIER));
        }
        for (Launch l : launches) {
            columns.add(Column.gevent4j(l));
        }
        List<String> workloads = options.names().stream().filter(n -> !n.equals(EchoServerBench.NAME)).toList();
        boolean failed = false;
        if (!workloads.isEmpty()) {
            String header = describeRun(home, columns, options.runs(), geventVersion);
            System.out.print(header);
            Results results = new Results();
            for (String w : workloads) {
                for (int run = 1; run <= options.runs(); run++) {
                    for (Column c : columns) {
                        List<String> command = command(c, w, home);
                        if (command == null) {
                            continue; // no such workload on that side
                        }
                        Map<String, Workloads.Metric> out = Child.run(w + " on " + c.name() + " (run " + run + " of "
                                + options.runs() + ")", command);
                        Workloads.Metric m = out.get(peerWorkload(c.side(), w));
                        if (m == null) {
                            failed = true;
                            results.fail(w, c.name());
                        } else {
                            results.add(w, c.name(), m.value(), m.unit());
                        }
                    }
                }
            }
            System.out.println();
            System.out.print(header);
            System.out.println(table(columns, workloads, results));
            System.out.print(legend(columns, workloads));
            System.out.print(allRuns(columns, workloads, results));
        }
        if (options.names().contains(EchoServerBench.NAME)) {
            failed |= !EchoServerBench.run(home, options.compare(), options.runs(), launches);
        }
        System.out.println("# load average at the end: " + loadAverage());
        if (failed) {
            System.out.println("# some measurements failed: their output is above; the table shows 'failed' for them");
            System.exit(1);
        }
    }

    /** The workload a column runs for a row: virtual threads have no hub group, their echo is the peer of echo_hubgroup. */
    static String peerWorkload(Side side, String workload) {
        return side == Side.VIRTUAL_THREADS && workload.equals("echo_hubgroup") ? "echo" : workload;
    }

    /** {@return the command measuring {@code workload} in column {@code c}, or null if that side has no such workload} */
    static List<String> command(Column c, String workload, Path home) {
        return switch (c.side()) {
            case GEVENT -> GEVENT_WORKLOADS.contains(workload)
                    ? List.of(PYTHON, home.resolve("benchmarks/gevent/workloads.py").toString(), workload) : null;
            case VIRTUAL_THREADS -> VirtualThreadWorkloads.all().containsKey(peerWorkload(c.side(), workload))
                    ? javaCommand(c.launch(), VirtualThreadWorkloads.class.getName(), List.of(peerWorkload(c.side(), workload))) : null;
            case GEVENT4J -> javaCommand(c.launch(), Workloads.class.getName(), List.of(workload));
        };
    }

    /** {@code java <heap flags> <launch flags> -cp <this class path> main args}. */
    static List<String> javaCommand(Launch launch, String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Child.java());
        cmd.addAll(HEAP);
        cmd.addAll(launch.jvmFlags());
        cmd.add("-cp");
        String classPath = System.getProperty("java.class.path");
        cmd.add(launch.extraClassPath().isEmpty() ? classPath : classPath + File.pathSeparator + launch.extraClassPath());
        cmd.addAll(launch.mainPrefix());
        cmd.add(mainClass);
        cmd.addAll(args);
        return cmd;
    }

    /** The figures of one bench run: every measured value of every cell, and each workload's unit. */
    static final class Results {
        private final Map<String, Map<String, List<Double>>> values = new LinkedHashMap<>();
        private final Map<String, Map<String, Integer>> failures = new LinkedHashMap<>();
        private final Map<String, String> units = new LinkedHashMap<>();

        void add(String workload, String column, double value, String unit) {
            values.computeIfAbsent(workload, k -> new LinkedHashMap<>()).computeIfAbsent(column, k -> new ArrayList<>()).add(value);
            units.putIfAbsent(workload, unit);
        }

        void fail(String workload, String column) {
            failures.computeIfAbsent(workload, k -> new LinkedHashMap<>()).merge(column, 1, Integer::sum);
        }

        /** {@return the median of the cell, or null if it has no figure} */
        Double median(String workload, String column) {
            List<Double> v = values(workload, column);
            return v.isEmpty() ? null : Bench.median(v);
        }

        List<Double> values(String workload, String column) {
            return values.getOrDefault(workload, Map.of()).getOrDefault(column, List.of());
        }

        boolean failed(String workload, String column) {
            return failures.getOrDefault(workload, Map.of()).containsKey(column);
        }

        String unit(String workload) {
            return units.get(workload);
        }
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** Rates (msgs/s) are better higher; costs (ns/..., x_of_sleep, bytes/...) lower. */
    static boolean higherIsBetter(String unit) {
        return unit != null && unit.endsWith("/s");
    }

    /**
     * The table: one row per workload, a column of medians per {@link Column} (the better
     * virtual-thread cell marked {@code *}), then "X vs best VT" for every gevent4j column and, with a
     * gevent column, "X vs gevent". A ratio above 1.00x means that gevent4j column is better.
     *
     * @param columns the columns, in order
     * @param workloads the rows, in order
     * @param results the figures
     * @return a Markdown table
     */
    static String table(List<Column> columns, List<String> workloads, Results results) {
        List<Column> vts = columns.stream().filter(c -> c.side() == Side.VIRTUAL_THREADS).toList();
        List<Column> ours = columns.stream().filter(c -> c.side() == Side.GEVENT4J).toList();
        Column gevent = columns.stream().filter(c -> c.side() == Side.GEVENT).findFirst().orElse(null);
        List<String> heading = new ArrayList<>();
        heading.add("workload (unit)");
        columns.forEach(c -> heading.add(c.name()));
        if (!vts.isEmpty()) {
            ours.forEach(c -> heading.add(shortName(c) + " vs best VT"));
        }
        if (gevent != null) {
            ours.forEach(c -> heading.add(shortName(c) + " vs gevent"));
        }
        List<List<String>> rows = new ArrayList<>();
        for (String w : workloads) {
            String unit = results.unit(w);
            List<String> row = new ArrayList<>();
            row.add(w + " (" + (unit == null ? "?" : unit) + ")");
            Column bestVt = null;
            for (Column v : vts) {
                Double m = results.median(w, v.name());
                if (m != null) {
                    Double best = bestVt == null ? null : results.median(w, bestVt.name());
                    if (best == null || (higherIsBetter(unit) ? m > best : m < best)) {
                        bestVt = v;
                    }
                }
            }
            for (Column c : columns) {
                Double m = results.median(w, c.name());
                String cell = m != null ? format(m) : results.failed(w, c.name()) ? "failed" : "-";
                if (c == bestVt && vts.size() > 1) {
                    cell += "*";
                }
                row.add(cell);
            }
            if (!vts.isEmpty()) {
                for (Column c : ours) {
                    row.add(ratio(bestVt == null ? null : results.median(w, bestVt.name()), results.median(w, c.name()), unit));
                }
            }
            if (gevent != null) {
                for (Column c : ours) {
                    row.add(ratio(results.median(w, gevent.name()), results.median(w, c.name()), unit));
                }
            }
            rows.add(row);
        }
        return markdown(heading, rows);
    }

    private static String shortName(Column gevent4jColumn) {
        return gevent4jColumn.launch().name();
    }

    /** A Markdown table with its columns padded to their widest cell. */
    static String markdown(List<String> heading, List<List<String>> rows) {
        int[] width = new int[heading.size()];
        for (int i = 0; i < width.length; i++) {
            width[i] = heading.get(i).length();
            for (List<String> r : rows) {
                width[i] = Math.max(width[i], r.get(i).length());
            }
        }
        StringBuilder out = new StringBuilder();
        appendRow(out, heading, width);
        out.append('|');
        for (int w : width) {
            out.append("-".repeat(w + 2)).append('|');
        }
        out.append('\n');
        rows.forEach(r -> appendRow(out, r, width));
        return out.toString();
    }

    private static void appendRow(StringBuilder out, List<String> cells, int[] width) {
        out.append('|');
        for (int i = 0; i < width.length; i++) {
            out.append(' ').append(cells.get(i)).append(" ".repeat(width[i] - cells.get(i).length())).append(" |");
        }
        out.append('\n');
    }

    /** Figures: one decimal below 100 (x_of_sleep, short times), whole numbers above. */
    static String format(double v) {
        return v < 100 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.0f", v);
    }

    /** How many times better {@code ours} is than {@code other}: other/ours for costs, ours/other for rates. */
    static String ratio(Double other, Double ours, String unit) {
        if (other == null || ours == null || other == 0 || ours == 0) {
            return "-";
        }
        double r = higherIsBetter(unit) ? ours / other : other / ours;
        return String.format(Locale.ROOT, "%.2fx", r);
    }

    /** What the table's columns ran, to print under it. */
    static String legend(List<Column> columns, List<String> workloads) {
        StringBuilder out = new StringBuilder();
        if (columns.stream().allMatch(c -> c.side() == Side.GEVENT4J)) {
            return ""; // no ratio columns to explain
        }
        out.append("Ratios: how many times better that gevent4j column is (other/gevent4j for costs, gevent4j/other for")
                .append(" rates); above 1.00x gevent4j wins. * marks the better virtual-thread column, the one the")
                .append(" 'vs best VT' ratios use.\n");
        if (workloads.contains("echo_hubgroup") && columns.stream().anyMatch(c -> c.side() == Side.VIRTUAL_THREADS)) {
            out.append("echo_hubgroup's virtual-thread cells run VirtualThreadWorkloads echo: the JDK's scheduler is")
                    .append(" their group of carriers (all cores on 'VT default').\n");
        }
        return out.toString();
    }

    /** The self-description printed before the runs and again above the table. */
    static String describeRun(Path home, List<Column> columns, int runs, String geventVersion) {
        StringBuilder out = new StringBuilder();
        out.append(runLine(home, runs));
        out.append("# JVM: ").append(Child.java()).append(" (").append(System.getProperty("java.vm.name")).append(' ')
                .append(System.getProperty("java.runtime.version")).append("), every JVM column: java ").append(String.join(" ", HEAP))
                .append(" <flags> -cp <benchmarks class path> <main> NAME, which runs the workload unmeasured for at least")
                .append(" 2 s, at least once (JIT warm-up), then after a System.gc() once measured, in the same JVM\n");
        for (Column c : columns) {
            out.append(String.format(Locale.ROOT, "#   %-18s ", c.name()));
            switch (c.side()) {
                case GEVENT -> out.append(PYTHON).append(" benchmarks/gevent/workloads.py NAME (gevent ").append(geventVersion)
                        .append("; CPython has no JIT: one run)");
                case VIRTUAL_THREADS -> out.append(VirtualThreadWorkloads.class.getSimpleName()).append(", flags ")
                        .append(c.launch().jvmFlags().isEmpty() ? "none (the JDK's ForkJoinPool, "
                                + Runtime.getRuntime().availableProcessors() + " carriers)" : String.join(" ", c.launch().jvmFlags()));
                case GEVENT4J -> out.append(Workloads.class.getSimpleName()).append(", launch mode '").append(c.launch().name())
                        .append("': ").append(String.join(" ", c.launch().jvmFlags()));
            }
            out.append('\n');
        }
        return out.toString();
    }

    /** Date, commit, runs, machine and load: the first lines of every table's header. */
    static String runLine(Path home, int runs) {
        return "# gevent4j bench, " + Instant.now().truncatedTo(ChronoUnit.SECONDS) + ", commit " + gitCommit(home) + ": " + runs
                + (runs == 1 ? " run" : " runs") + " per figure, each a fresh process" + (runs > 1 ? "; the table shows medians" : "")
                + "\n# machine: " + machine() + "; load average at the start: " + loadAverage() + "\n";
    }

    /** Every measured value of every cell, for a table of medians (to see the spread). */
    static String allRuns(List<Column> columns, List<String> workloads, Results results) {
        StringBuilder out = new StringBuilder();
        for (String w : workloads) {
            for (Column c : columns) {
                List<Double> v = results.values(w, c.name());
                if (v.size() > 1) {
                    out.append("# runs of ").append(w).append(" on ").append(c.name()).append(": ")
                            .append(String.join(" ", v.stream().map(Bench::format).toList())).append('\n');
                }
            }
        }
        return out.toString();
    }

    static String machine() {
        String model = "unknown CPU";
        String mem = "";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
                if (line.startsWith("model name")) {
                    model = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"), StandardCharsets.UTF_8)) {
                if (line.startsWith("MemTotal:")) {
                    long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    mem = String.format(Locale.ROOT, ", %.0f GiB", kb / 1024.0 / 1024.0);
                    break;
                }
            }
        } catch (IOException | NumberFormatException e) {
            model = "unknown CPU (" + e.getMessage() + ")";
        }
        return Runtime.getRuntime().availableProcessors() + " cores, " + model + mem;
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg"), StandardCharsets.UTF_8).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    /** {@code git describe --always --dirty} of the checkout, or why there is none. */
    static String gitCommit(Path home) {
        String out = firstLine(List.of("git", "-C", home.toString(), "describe", "--always", "--dirty"));
        return out == null ? "unknown (no git checkout at " + home + ")" : out;
    }

    /** {@return {@code module.__version__} under /usr/bin/python3, or null if the module is not installed} */
    static String pythonModuleVersion(String module) {
        return firstLine(List.of(PYTHON, "-c", "import " + module + "; print(getattr(" + module + ", '__version__', 'installed'))"));
    }

    /** {@return the first line a command prints when it succeeds, or null} */
    static String firstLine(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 && !out.isEmpty() ? out.lines().findFirst().orElse(null) : null;
        } catch (IOException e) {
            return null; // the command is not installed: the caller says what that means
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
