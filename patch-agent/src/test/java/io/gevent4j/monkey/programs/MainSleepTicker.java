package io.gevent4j.monkey.programs;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Main itself calls plain {@code Thread.sleep(millis)} while a spawned greenlet ticks every 10 ms
 * (also with plain {@code Thread.sleep}). Prints {@code ticksWhileMainSlept} and
 * {@code mainIsVirtual}. Without the agent main's sleep blocks the hub's thread, so no tick happens.
 * Args: millis.
 */
public final class MainSleepTicker {
    private MainSleepTicker() {
    }

    /**
     * Runs the program; prints its findings as {@code key=value} lines.
     *
     * @param args see the class comment
     * @throws Exception whatever the program throws (the child's exit status then shows it)
     */
    public static void main(String[] args) throws Exception {
        long millis = Long.parseLong(args[0]);
        AtomicInteger ticks = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        Greenlet<Void> ticker = Gevent.spawn(() -> {
            while (!stop.get()) {
                Thread.sleep(10);
                ticks.incrementAndGet();
            }
        });
        Thread.sleep(millis);
        int seen = ticks.get();
        stop.set(true);
        Gevent.joinAll(List.of(ticker), null, true, 1);
        System.out.println("mainIsVirtual=" + Thread.currentThread().isVirtual());
        System.out.println("ticksWhileMainSlept=" + seen);
    }
}
