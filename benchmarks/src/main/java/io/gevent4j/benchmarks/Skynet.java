package io.gevent4j.benchmarks;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.List;

/**
 * Skynet (Loom's and Go's stress test): a tree of greenlets, each spawning ten children and summing what
 * they return, with {@code leaves} leaves (1,000,000 by default: 1,111,111 greenlets in all); the sum must
 * be {@code leaves * (leaves - 1) / 2}. Reports the time and the peak heap (the sum of the heap pools'
 * peaks since the start of the run, an upper bound of the real peak).
 */
public final class Skynet {
    private Skynet() {
    }

    static long node(long number, int size) throws Exception {
        if (size == 1) {
            return number;
        }
        int child = size / 10;
        List<Greenlet<Long>> children = new ArrayList<>(10);
        for (int i = 0; i < 10; i++) {
            long start = number + (long) i * child;
            children.add(Gevent.spawn(() -> node(start, child)));
        }
        long sum = 0;
        for (Greenlet<Long> g : children) {
            sum += g.get();
        }
        return sum;
    }

    /**
     * Runs the tree once.
     *
     * @param leaves a power of ten
     * @return the time metric; the peak heap is printed on its own line
     * @throws Exception on failure, or if the sum is wrong
     */
    public static Workloads.Metric run(int leaves) throws Exception {
        if (leaves < 1 || Math.pow(10, Math.round(Math.log10(leaves))) != leaves) {
            throw new IllegalArgumentException("skynet needs a power of ten leaves, got " + leaves);
        }
        System.gc();
        List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).toList();
        heap.forEach(MemoryPoolMXBean::resetPeakUsage);
        long t = System.nanoTime();
        long sum = Gevent.run(() -> node(0, leaves));
        double millis = (System.nanoTime() - t) / 1e6;
        long peak = heap.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        Workloads.check(sum == (long) leaves * (leaves - 1) / 2, "skynet sum " + sum);
        System.out.printf(java.util.Locale.ROOT, "skynet: %d leaves, %d greenlets, %.0f ms, peak heap %.0f MB%n",
                leaves, (leaves * 10L - 1) / 9, millis, peak / 1e6);
        return new Workloads.Metric("skynet", millis, "ms");
    }
}
