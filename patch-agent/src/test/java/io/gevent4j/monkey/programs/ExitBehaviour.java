package io.gevent4j.monkey.programs;

import io.gevent4j.Gevent;

import java.io.IOException;
import java.util.List;

/**
 * Ways for a program to end, to compare with and without the agent. Args: one of
 * {@code return} (exit 0), {@code exit} ({@code System.exit(3)}), {@code throw} (an uncaught
 * {@code IllegalStateException} with a cause), {@code throwChecked} (an uncaught {@code IOException}),
 * {@code exitInGreenlet} ({@code System.exit(5)} from a spawned greenlet), {@code plainThread} (main
 * returns while a plain {@code new Thread(r)} still runs: a non-daemon thread, because main's thread is
 * one, so the JVM waits for it),
 * {@code throwWithPlainThread} (main throws while that thread runs: the exception is printed at once,
 * the JVM waits for the thread, then exits 1).
 */
public final class ExitBehaviour {
    private ExitBehaviour() {
    }

    /**
     * Runs the program; prints its findings as {@code key=value} lines.
     *
     * @param args see the class comment
     * @throws Exception whatever the program throws (the child's exit status then shows it)
     */
    public static void main(String[] args) throws Exception {
        System.out.println("main-started");
        switch (args[0]) {
            case "return" -> System.out.println("returning");
            case "exit" -> System.exit(3);
            case "throw" -> fail();
            case "throwChecked" -> throw new IOException("checked failure in main");
            case "exitInGreenlet" -> Gevent.joinAll(List.of(Gevent.spawn(() -> System.exit(5))));
            case "plainThread" -> System.out.println("daemon:" + lateWorker().isDaemon());
            case "throwWithPlainThread" -> {
                lateWorker();
                fail();
            }
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
        System.out.println("main-returned");
    }

    /** Starts a plain thread that prints {@code worker-done} after 200 ms; nobody joins it. */
    private static Thread lateWorker() {
        Thread worker = new Thread(() -> {
            try {
                Thread.sleep(200);
                System.out.println("worker-done");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        worker.start();
        return worker;
    }

    private static void fail() {
        try {
            Integer.parseInt("not a number");
        } catch (NumberFormatException e) {
            throw new IllegalStateException("uncaught failure in main", e);
        }
    }
}
