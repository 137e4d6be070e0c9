package io.gevent4j.benchmarks;

import io.gevent4j.benchmarks.Workloads.Metric;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.SynchronousQueue;

/**
 * The same workloads on plain JDK virtual threads with the default scheduler (a ForkJoinPool with one
 * carrier per core): the baseline gevent4j must beat. Same names, counts, checks and METRIC line.
 */
public final class VirtualThreadWorkloads {
    private VirtualThreadWorkloads() {
    }

    /** spawn 100,000 virtual threads that each store their index; join all; check the sum. */
    public static Metric spawnJoin(int n) throws Exception {
        long t = System.nanoTime();
        int[] values = new int[n];
        Thread[] threads = new Thread[n];
        for (int i = 0; i < n; i++) {
            int index = i;
            threads[i] = Thread.ofVirtual().start(() -> values[index] = index);
        }
        for (Thread thread : threads) {
            thread.join();
        }
        long sum = 0;
        for (int v : values) {
            sum += v;
        }
        Workloads.check(sum == (long) n * (n - 1) / 2, "spawn_join sum " + sum);
        return new Metric("spawn_join", (System.nanoTime() - t) / (double) n, "ns/greenlet");
    }

    /** two virtual threads each call Thread.yield() 200,000 times. */
    public static Metric switchSleep0(int n) throws Exception {
        Runnable loop = () -> {
            for (int i = 0; i < n; i++) {
                Thread.yield();
            }
        };
        long t = System.nanoTime();
        Thread a = Thread.ofVirtual().start(loop);
        Thread b = Thread.ofVirtual().start(loop);
        a.join();
        b.join();
        return new Metric("switch_sleep0", (System.nanoTime() - t) / (2.0 * n), "ns/switch");
    }

    /** two virtual threads bounce 100,000 integers through two SynchronousQueues. */
    public static Metric queuePingpong(int n) throws Exception {
        SynchronousQueue<Integer> a = new SynchronousQueue<>();
        SynchronousQueue<Integer> b = new SynchronousQueue<>();
        Throwable[] failure = new Throwable[1];
        long t = System.nanoTime();
        Thread pong = Thread.ofVirtual().start(() -> {
            try {
                for (int i = 0; i < n; i++) {
                    b.put(a.take());
                }
            } catch (InterruptedException e) {
                failure[0] = e;
            }
        });
        Thread ping = Thread.ofVirtual().start(() -> {
            try {
                for (int i = 0; i < n; i++) {
                    a.put(i);
                    Workloads.check(b.take() == i, "queue_pingpong order");
                }
            } catch (Throwable e) {
                failure[0] = e;
            }
        });
        ping.join();
        pong.join();
        if (failure[0] != null) {
            throw new IllegalStateException("queue_pingpong failed", failure[0]);
        }
        return new Metric("queue_pingpong", (System.nanoTime() - t) / (double) n, "ns/roundtrip");
    }

    /**
     * n virtual threads each call Thread.sleep(1 s); wall time over the sleep.
     *
     * @param name the metric name, {@code sleepers} or {@code sleepers_1m}
     * @param n how many threads sleep
     * @param seconds how long each sleeps
     * @return wall time over the sleep time
     * @throws Exception if a thread fails
     */
    public static Metric sleepers(String name, int n, int seconds) throws Exception {
        long t = System.nanoTime();
        Thread[] threads = new Thread[n];
        for (int i = 0; i < n; i++) {
            threads[i] = Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(seconds * 1000L);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
        }
        for (Thread thread : threads) {
            thread.join();
        }
        return new Metric(name, (System.nanoTime() - t) / 1e9 / seconds, "x_of_sleep");
    }

    /** n virtual threads parked on one latch: heap bytes per parked thread. */
    public static Metric parkMemory(int n) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch parked = new CountDownLatch(n);
        long before = ParkMemory.usedHeapAfterGc();
        long t = System.nanoTime();
        Thread[] threads = new Thread[n];
        for (int i = 0; i < n; i++) {
            threads[i] = Thread.ofVirtual().start(() -> {
                parked.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
        }
        parked.await();
        long spawnNanos = System.nanoTime() - t;
        long after = ParkMemory.usedHeapAfterGc();
        t = System.nanoTime();
        release.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        long releaseNanos = System.nanoTime() - t;
        ParkMemory.printTimes("virtual threads", n, spawnNanos, releaseNanos);
        return new Metric("park_memory", (after - before) / (double) n, "bytes/greenlet");
    }

    /** {@return the workloads by name} */
    public static Map<String, Workloads.Workload> all() {
        Map<String, Workloads.Workload> w = new LinkedHashMap<>();
        w.put("spawn_join", a -> spawnJoin(Workloads.arg(a, 0, 100_000)));
        w.put("switch_sleep0", a -> switchSleep0(Workloads.arg(a, 0, 200_000)));
        w.put("queue_pingpong", a -> queuePingpong(Workloads.arg(a, 0, 100_000)));
        w.put("sleepers", a -> sleepers("sleepers", Workloads.arg(a, 0, 100_000), Workloads.arg(a, 1, 1)));
        w.put("sleepers_1m", a -> sleepers("sleepers_1m", Workloads.arg(a, 0, 1_000_000), Workloads.arg(a, 1, 1)));
        // Bench reads the line of the workload's own name; EchoWorkload.main keeps "echo_vthreads" apart.
        w.put("echo", a -> {
            Metric m = EchoWorkload.runOnVirtualThreads(Workloads.arg(a, 0, 200), Workloads.arg(a, 1, 500),
                    Workloads.arg(a, 2, 64));
            return new Metric("echo", m.value(), m.unit());
        });
        w.put("park_memory", a -> parkMemory(Workloads.arg(a, 0, 1_000_000)));
        return w;
    }

    /**
     * Runs workloads: {@code NAME|all [N...]}.
     *
     * @param args the workload and its sizes
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        Workloads.runMain(all(), args);
    }

    static List<String> names() {
        return List.copyOf(all().keySet());
    }
}
