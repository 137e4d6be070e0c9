package io.gevent4j.benchmarks;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.benchmarks.Workloads.Metric;
import io.gevent4j.event.Event;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * park_memory: n greenlets parked on one Event; reports heap bytes per parked greenlet (heap used after
 * GC, minus the baseline, over n) and prints the time to spawn and to release them all. The figure
 * includes everything a parked greenlet keeps alive: its {@code Greenlet}, virtual thread, continuation
 * stack chunk, and its slot in the list of greenlets the workload joins at the end.
 */
public final class ParkMemory {
    private ParkMemory() {
    }

    /**
     * @param n how many greenlets to park
     * @return bytes per parked greenlet
     * @throws Exception on failure
     */
    public static Metric run(int n) throws Exception {
        Event release = new Event();
        int[] parked = new int[1];
        int[] woke = new int[1];
        long before = usedHeapAfterGc();
        long t = System.nanoTime();
        List<Greenlet<Void>> gs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            gs.add(Gevent.spawn(() -> {
                parked[0]++;
                release.await();
                woke[0]++;
            }));
        }
        Gevent.sleep(0); // one turn of the loop: every greenlet starts and parks on the event
        long spawnNanos = System.nanoTime() - t;
        Workloads.check(parked[0] == n && woke[0] == 0, "park_memory: " + parked[0] + " of " + n + " parked, "
                + woke[0] + " woke before the release");
        long after = usedHeapAfterGc();
        t = System.nanoTime();
        release.set();
        Gevent.joinAll(gs);
        long releaseNanos = System.nanoTime() - t;
        Workloads.check(woke[0] == n, "park_memory woke " + woke[0] + " of " + n);
        printTimes("gevent4j", n, spawnNanos, releaseNanos);
        gs.clear();
        return new Metric("park_memory", (after - before) / (double) n, "bytes/greenlet");
    }

    static void printTimes(String who, int n, long spawnNanos, long releaseNanos) {
        System.out.printf(Locale.ROOT, "# park_memory (%s): %,d parked; spawn+park %.0f ms, release+join %.0f ms%n",
                who, n, spawnNanos / 1e6, releaseNanos / 1e6);
    }

    static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
