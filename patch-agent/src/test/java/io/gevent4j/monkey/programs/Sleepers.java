package io.gevent4j.monkey.programs;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * N greenlets each call plain {@code Thread.sleep(millis)}. Prints {@code elapsedMs} (spawn to last
 * join) and {@code minSleptMs} (the shortest sleep any greenlet saw: a sleep must not end early).
 * Args: count, millis.
 */
public final class Sleepers {
    private Sleepers() {
    }

    /**
     * Runs the program; prints its findings as {@code key=value} lines.
     *
     * @param args see the class comment
     * @throws Exception whatever the program throws (the child's exit status then shows it)
     */
    public static void main(String[] args) throws Exception {
        int count = Integer.parseInt(args[0]);
        long millis = Long.parseLong(args[1]);
        AtomicLong minSlept = new AtomicLong(Long.MAX_VALUE);
        long start = System.nanoTime();
        List<Greenlet<Void>> sleepers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            sleepers.add(Gevent.spawn(() -> {
                long t0 = System.nanoTime();
                Thread.sleep(millis);
                minSlept.accumulateAndGet((System.nanoTime() - t0) / 1_000_000, Math::min);
            }));
        }
        Gevent.joinAll(sleepers, null, true, count);
        System.out.println("elapsedMs=" + (System.nanoTime() - start) / 1_000_000);
        System.out.println("minSleptMs=" + minSlept.get());
        System.out.println("finished=" + sleepers.stream().filter(Greenlet::successful).count());
    }
}
