package io.gevent4j.benchmarks;

import io.gevent4j.Gevent;
import io.gevent4j.queue.Channel;

import java.util.List;

/**
 * {@code queue_pingpong} of {@code shared/bench/gevent/workloads.py}: two {@link Channel}s and two
 * greenlets; a round trip is ping putting {@code i} into {@code a}, pong getting it and putting it into
 * {@code b}, and ping getting it back and checking it. Reported in nanoseconds per round trip.
 */
public final class QueuePingPong {
    private QueuePingPong() {
    }

    /**
     * Runs {@code n} round trips on the current thread's hub.
     *
     * @param n the number of round trips (100,000 in workloads.py)
     * @return the metric {@code queue_pingpong} in ns/roundtrip
     * @throws Exception if a check fails or a greenlet fails
     */
    public static Workloads.Metric run(int n) throws Exception {
        Channel<Integer> a = new Channel<>();
        Channel<Integer> b = new Channel<>();
        long t = System.nanoTime();
        Gevent.joinAll(List.of(
                Gevent.spawn(() -> {
                    for (int i = 0; i < n; i++) {
                        b.put(a.get());
                    }
                }),
                Gevent.spawn(() -> {
                    for (int i = 0; i < n; i++) {
                        a.put(i);
                        int back = b.get();
                        if (back != i) { // the message is built only on failure: no string per round trip
                            Workloads.check(false, "queue_pingpong got " + back + " back for " + i);
                        }
                    }
                })), null, true, 2);
        return new Workloads.Metric("queue_pingpong", (System.nanoTime() - t) / (double) n, "ns/roundtrip");
    }

    /**
     * Runs the workload {@code rounds} times in one JVM and prints each figure, so that the JIT-warmed
     * figure can be read beside the cold one.
     *
     * @param args [N [ROUNDS]]
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        for (int r = 0; r < rounds; r++) {
            System.out.println(run(n) + " (round " + (r + 1) + " of " + rounds + ")");
        }
    }
}
