package io.gevent4j.benchmarks;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Timeout;
import io.gevent4j.queue.Queue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Timeouts under load: {@code n} greenlets (100,000 by default) each wait in
 * {@code Timeout.start(random 1-100 ms)} for a queue item that never comes. Every one must time out;
 * reports the worst lateness (time past its deadline when the wait ended) and prints the median and p99.
 */
public final class TimeoutsUnderLoad {
    private TimeoutsUnderLoad() {
    }

    /**
     * Runs it once.
     *
     * @param n how many greenlets
     * @return the worst lateness in ms
     * @throws Exception on failure, or if one did not time out
     */
    public static Workloads.Metric run(int n) throws Exception {
        return Gevent.run(() -> {
            Queue<Object> never = new Queue<>();
            SplittableRandom random = new SplittableRandom(42);
            List<Greenlet<Long>> waiters = new ArrayList<>(n);
            long t = System.nanoTime();
            for (int i = 0; i < n; i++) {
                long millis = 1 + random.nextInt(100);
                waiters.add(Gevent.spawn(() -> {
                    long deadline = System.nanoTime() + millis * 1_000_000L;
                    try (Timeout timeout = Timeout.start(java.time.Duration.ofMillis(millis))) {
                        never.get();
                        throw new AssertionError("an item arrived on a queue nobody puts to");
                    } catch (Timeout expired) {
                        return System.nanoTime() - deadline; // lateness
                    }
                }));
            }
            Gevent.joinAll(waiters);
            double total = (System.nanoTime() - t) / 1e6;
            long[] late = new long[n];
            for (int i = 0; i < n; i++) {
                Greenlet<Long> g = waiters.get(i);
                Workloads.check(g.successful(), "waiter " + i + " failed: " + g.exception());
                late[i] = g.value();
            }
            java.util.Arrays.sort(late);
            Workloads.check(late[0] >= 0, "a timeout fired " + (-late[0]) + " ns early");
            System.out.printf(java.util.Locale.ROOT, "timeouts_under_load: %d timed out in %.0f ms; lateness median %.2f ms,"
                    + " p99 %.2f ms, worst %.2f ms%n", n, total, late[n / 2] / 1e6, late[(int) (n * 0.99)] / 1e6, late[n - 1] / 1e6);
            return new Workloads.Metric("timeouts_under_load", late[n - 1] / 1e6, "ms_worst_late");
        });
    }
}
