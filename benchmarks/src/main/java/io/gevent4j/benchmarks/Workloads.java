package io.gevent4j.benchmarks;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The reference workloads of {@code shared/bench/gevent/workloads.py} on gevent4j: same names, counts,
 * checks and output line ({@code METRIC <name> <value> <unit>}).
 *
 * <p>Usage: {@code Workloads NAME [N]} with NAME one of the workloads or {@code all}.
 */
public final class Workloads {
    private Workloads() {
    }

    /** One measured figure. */
    public record Metric(String name, double value, String unit) {
        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "METRIC %s %.1f %s", name, value, unit);
        }
    }

    /** A workload taking its optional size argument. */
    @FunctionalInterface
    public interface Workload {
        /**
         * @param args optional integer arguments, as in workloads.py
         * @return the metric
         * @throws Exception on failure (a failed check included)
         */
        Metric run(int[] args) throws Exception;
    }

    static int arg(int[] args, int i, int fallback) {
        return args.length > i ? args[i] : fallback;
    }

    /**
     * The body of spawn_join (also JMH's {@code SpawnBench.spawnJoinBatch}): spawns n greenlets that each
     * return their index, joins them all and checks the sum. Runs in a greenlet or on a hub's thread.
     *
     * @param n how many greenlets
     * @return the sum of their values
     * @throws Exception if a greenlet failed or the sum is wrong
     */
    public static long spawnAndJoin(int n) throws Exception {
        List<Greenlet<Integer>> gs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int index = i;
            gs.add(Gevent.spawn(() -> index));
        }
        Gevent.joinAll(gs);
        long sum = 0;
        for (Greenlet<Integer> g : gs) {
            sum += g.value();
        }
        check(sum == (long) n * (n - 1) / 2, "spawn_join sum " + sum);
        return sum;
    }

    /** spawn 100,000 greenlets that each return their index; join all; check the sum. */
    public static Metric spawnJoin(int n) throws Exception {
        return Gevent.run(() -> {
            long t = System.nanoTime();
            spawnAndJoin(n);
            return new Metric("spawn_join", (System.nanoTime() - t) / (double) n, "ns/greenlet");
        });
    }

    /** two greenlets each call sleep(0) 200,000 times. */
    public static Metric switchSleep0(int n) throws Exception {
        Callable<Void> loop = () -> {
            for (int i = 0; i < n; i++) {
                Gevent.sleep(0);
            }
            return null;
        };
        long t = System.nanoTime();
        Gevent.joinAll(List.of(Gevent.spawn(loop), Gevent.spawn(loop)));
        return new Metric("switch_sleep0", (System.nanoTime() - t) / (2.0 * n), "ns/switch");
    }

    /**
     * n greenlets each call the plain Thread.sleep(1 s) (patched by the agent); wall time over the sleep.
     * {@code sleepers} has 100,000 of them; {@code sleepers_1m} 1,000,000 (issue 8's second target).
     *
     * @param name the metric name, {@code sleepers} or {@code sleepers_1m}
     * @param n how many greenlets sleep
     * @param seconds how long each sleeps
     * @return wall time over the sleep time (1.0 is the floor)
     * @throws Exception if a greenlet fails
     */
    public static Metric sleepers(String name, int n, int seconds) throws Exception {
        // under the agent or the patched launch (as Bench runs it) the plain Thread.sleep is the patched
        // one, as time.sleep in workloads.py; without either, the same hub timer through the API
        boolean patched = java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .anyMatch(arg -> arg.startsWith("-javaagent:") && arg.contains("gevent4j"))
                || System.getProperty("gevent4j.aot.dir") != null; // ./gevent4j's patched launch
        long t = System.nanoTime();
        List<Greenlet<Void>> gs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            gs.add(Gevent.spawn(() -> {
                if (patched) {
                    Thread.sleep(seconds * 1000L);
                } else {
                    Gevent.sleep(seconds * 1000L);
                }
            }));
        }
        Gevent.joinAll(gs);
        return new Metric(name, (System.nanoTime() - t) / 1e9 / seconds, "x_of_sleep");
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError("workload check failed: " + what);
        }
    }

    /** {@return the workloads by name, in the order workloads.py runs them} */
    public static Map<String, Workload> all() {
        Map<String, Workload> w = new LinkedHashMap<>();
        w.put("spawn_join", a -> spawnJoin(arg(a, 0, 100_000)));
        w.put("switch_sleep0", a -> switchSleep0(arg(a, 0, 200_000)));
        w.put("queue_pingpong", a -> QueuePingPong.run(arg(a, 0, 100_000)));
        w.put("sleepers", a -> sleepers("sleepers", arg(a, 0, 100_000), arg(a, 1, 1)));
        w.put("sleepers_1m", a -> sleepers("sleepers_1m", arg(a, 0, 1_000_000), arg(a, 1, 1)));
        w.put("echo", a -> EchoWorkload.run(arg(a, 0, 200), arg(a, 1, 500), arg(a, 2, 64)));
        w.put("echo_hubgroup", a -> EchoWorkload.runHubGroup(arg(a, 0, 200), arg(a, 1, 500), arg(a, 2, 64), arg(a, 3, 2)));
        w.put("park_memory", a -> Gevent.run(() -> ParkMemory.run(arg(a, 0, 1_000_000))));
        return w;
    }

    /**
     * Stress workloads with no counterpart in workloads.py: run by name ({@code bench skynet}), never by
     * {@code all}.
     *
     * @return the workloads by name
     */
    public static Map<String, Workload> stress() {
        Map<String, Workload> w = new LinkedHashMap<>();
        w.put("skynet", a -> Skynet.run(arg(a, 0, 1_000_000)));
        w.put("timeouts_under_load", a -> TimeoutsUnderLoad.run(arg(a, 0, 100_000)));
        w.put("fifo_open", a -> BlockingIoWorkloads.fifoOpen(arg(a, 0, 200)));
        w.put("process_pipes", a -> BlockingIoWorkloads.processPipes(arg(a, 0, 200)));
        return w;
    }

    /**
     * Runs one workload or all: {@code NAME|all [N...]}.
     *
     * @param args the workload and its sizes
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        runMain(args.length > 0 && stress().containsKey(args[0]) ? stress() : all(), args);
    }

    /** How long {@link #runMain} keeps repeating a workload unmeasured before the measured run. */
    static final long DEFAULT_WARMUP_MILLIS = 2_000;

    /**
     * Runs {@code NAME|all [N...]} from a table of workloads and prints one METRIC line each. Unless
     * {@code -Dgevent4j.bench.warmup=false}, each workload first runs unmeasured to warm up the JIT: at
     * least once, and again until {@code -Dgevent4j.bench.warmupMillis} (default 2,000 ms) have passed,
     * so that a workload whose run takes a tenth of a second is measured once its code is compiled, as a
     * long one is after one run. The next run is the one reported. Every JVM column goes through here, so
     * every column gets the same warm-up (workloads.py runs once: CPython has no JIT to warm up).
     *
     * @param table the workloads
     * @param args the workload name and its sizes
     * @throws Exception on failure
     */
    static void runMain(Map<String, Workload> table, String[] args) throws Exception {
        String name = args.length == 0 ? "all" : args[0];
        int[] rest = new int[Math.max(0, args.length - 1)];
        for (int i = 1; i < args.length; i++) {
            rest[i - 1] = Integer.parseInt(args[i]);
        }
        List<String> names = name.equals("all") ? List.copyOf(table.keySet()) : List.of(name);
        boolean warmup = Boolean.parseBoolean(System.getProperty("gevent4j.bench.warmup", "true"));
        long warmupNanos = Long.getLong("gevent4j.bench.warmupMillis", DEFAULT_WARMUP_MILLIS) * 1_000_000L;
        for (String n : names) {
            Workload w = table.get(n);
            if (w == null) {
                System.err.println("unknown workload '" + n + "'; choose one of " + table.keySet() + " or all");
                System.exit(2);
            }
            if (warmup) {
                long start = System.nanoTime();
                int rounds = 0;
                do {
                    w.run(rest);
                    rounds++;
                } while (System.nanoTime() - start < warmupNanos);
                System.err.println("warm-up: " + n + " ran " + rounds + " time(s) unmeasured");
                // the measured run starts from a collected heap (as JMH's -gc true): otherwise the warm-up's
                // garbage is collected in it, at a point that depends on how many warm-up runs there were
                if (Boolean.parseBoolean(System.getProperty("gevent4j.bench.gc", "true"))) {
                    System.gc();
                }
            }
            System.out.println(w.run(rest));
        }
    }
}
