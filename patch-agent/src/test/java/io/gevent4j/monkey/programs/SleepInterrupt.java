package io.gevent4j.monkey.programs;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code Thread.interrupt()} still wakes a plain {@code Thread.sleep}: of a spawned greenlet, of main
 * (the root greenlet under the agent), and of a thread interrupted before it sleeps. Prints, for each,
 * how long the sleep lasted and whether the interrupt flag was cleared as the JDK does.
 */
public final class SleepInterrupt {
    private SleepInterrupt() {
    }

    /**
     * Runs the program; prints its findings as {@code key=value} lines.
     *
     * @param args see the class comment
     * @throws Exception whatever the program throws (the child's exit status then shows it)
     */
    public static void main(String[] args) throws Exception {
        AtomicReference<Thread> sleeper = new AtomicReference<>();
        Greenlet<String> victim = Gevent.spawn(() -> {
            sleeper.set(Thread.currentThread());
            return sleepUntilInterrupted();
        });
        Thread main = Thread.currentThread();
        Greenlet<Void> interrupter = Gevent.spawn(() -> {
            while (sleeper.get() == null) {
                Thread.sleep(5);
            }
            Thread.sleep(100);
            sleeper.get().interrupt();
            Thread.sleep(100);
            main.interrupt();
        });
        System.out.println("main=" + sleepUntilInterrupted());
        Gevent.joinAll(List.of(victim, interrupter), null, true, 2);
        System.out.println("greenlet=" + victim.get());

        Thread.currentThread().interrupt();
        long t0 = System.nanoTime();
        try {
            Thread.sleep(10_000);
            System.out.println("preInterrupted=slept");
        } catch (InterruptedException expected) {
            System.out.println("preInterrupted=thrownAfterMs:" + (System.nanoTime() - t0) / 1_000_000);
        }
        try {
            Thread.sleep(-1);
            System.out.println("negative=slept");
        } catch (IllegalArgumentException expected) {
            System.out.println("negative=IllegalArgumentException");
        }
    }

    /** Sleeps 20 s unless interrupted; says what happened. */
    private static String sleepUntilInterrupted() {
        long t0 = System.nanoTime();
        try {
            Thread.sleep(20_000);
            return "notInterrupted";
        } catch (InterruptedException e) {
            return "interruptedAfterMs:" + (System.nanoTime() - t0) / 1_000_000 + ",flagAfter:"
                    + Thread.currentThread().isInterrupted();
        }
    }
}
