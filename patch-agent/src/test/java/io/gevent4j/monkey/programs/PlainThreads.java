package io.gevent4j.monkey.programs;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A thread program with no gevent4j import at all: N {@code new Thread(r).start()} that each sleep,
 * then {@code join()} of each. Prints {@code elapsedMs}, {@code virtual} (threads whose
 * {@code Thread.currentThread()} was a virtual thread, i.e. a greenlet under the agent's
 * {@code threads} option), {@code sample} (one such {@code currentThread()}), {@code aliveAfterJoin},
 * {@code interrupted} (a sleeping thread woken by {@code Thread.interrupt()}), {@code uncaught} (a
 * thread that threw still ends and joins) and {@code mainIsVirtual}. Last, main starts a thread that
 * nobody joins, which starts another: the program ends only after both print {@code late=done} and
 * {@code nested=done}, as non-daemon threads. Args: count, millis.
 */
public final class PlainThreads {
    private PlainThreads() {
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
        AtomicInteger virtual = new AtomicInteger();
        AtomicInteger slept = new AtomicInteger();
        AtomicReference<String> sample = new AtomicReference<>();
        long start = System.nanoTime();
        Thread[] threads = new Thread[count];
        for (int i = 0; i < count; i++) {
            threads[i] = new Thread(() -> {
                if (Thread.currentThread().isVirtual()) {
                    virtual.incrementAndGet();
                }
                sample.compareAndSet(null, Thread.currentThread().toString());
                try {
                    Thread.sleep(millis);
                    slept.incrementAndGet();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "worker-" + i);
            threads[i].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        long elapsed = (System.nanoTime() - start) / 1_000_000;
        int alive = 0;
        for (Thread t : threads) {
            if (t.isAlive()) {
                alive++;
            }
        }
        System.out.println("elapsedMs=" + elapsed);
        System.out.println("slept=" + slept.get());
        System.out.println("virtual=" + virtual.get());
        System.out.println("sample=" + sample.get());
        System.out.println("aliveAfterJoin=" + alive);
        System.out.println("mainIsVirtual=" + Thread.currentThread().isVirtual());

        AtomicBoolean woken = new AtomicBoolean();
        Thread sleeper = new Thread(() -> {
            try {
                Thread.sleep(20_000);
            } catch (InterruptedException e) {
                woken.set(true);
            }
        });
        long t0 = System.nanoTime();
        sleeper.start();
        Thread.sleep(50);
        sleeper.interrupt();
        sleeper.join();
        System.out.println("interrupted=" + woken.get() + ":" + (System.nanoTime() - t0) / 1_000_000);

        Thread thrower = new Thread(() -> {
            throw new IllegalStateException("thrown by a plain thread");
        }, "thrower");
        thrower.setUncaughtExceptionHandler((t, e) -> System.out.println("handler=" + t.getName() + ":" + e.getMessage()));
        thrower.start();
        thrower.join();
        System.out.println("uncaught=" + thrower.isAlive());

        new Thread(() -> {
            new Thread(() -> {
                try {
                    Thread.sleep(300);
                    System.out.println("nested=done");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }).start();
            try {
                Thread.sleep(200);
                System.out.println("late=done");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }).start();
    }
}
