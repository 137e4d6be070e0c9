package io.gevent4j.benchmarks;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Blocking JDK calls that the agent must keep off the hub (issue 18), each run three ways in the same
 * JVM and the same run: as greenlets (under the agent: the process that {@code ./gevent4j bench} starts
 * has it), as platform threads, and as JDK virtual threads (default scheduler: the agent leaves them
 * alone). Prints one line per way and {@code METRIC <name> <greenlets/platform> x_of_platform}
 * (lower is better; the target is at most 1.3).
 * <ul>
 *   <li>{@code fifo_open [N=200]}: N readers each open their own FIFO (no writer yet) with
 *       {@code new FileInputStream(fifo)} and read one byte; a platform thread opens the writers
 *       after about 1 s. Ideal: ~1 s.</li>
 *   <li>{@code process_pipes [N=200]}: N × {@code sh -c "sleep 1; echo ok"}, each started, read to the
 *       end and waited for. Ideal: ~1 s plus the fork cost.</li>
 * </ul>
 * Needs {@code mkfifo} and {@code sh} (coreutils, on every Linux).
 */
public final class BlockingIoWorkloads {
    private static final long WRITER_DELAY_MS = 1000;

    private BlockingIoWorkloads() {
    }

    /** One way of running N blocking tasks, returning when all ended. */
    @FunctionalInterface
    private interface Way {
        void runAll(List<Callable<String>> tasks, String expected) throws Exception;
    }

    /**
     * @param n how many FIFO readers
     * @return the greenlet time as a multiple of the platform-thread time
     * @throws Exception on failure or a wrong byte
     */
    public static Workloads.Metric fifoOpen(int n) throws Exception {
        return compare("fifo_open", n, () -> fifoRound(n));
    }

    /**
     * @param n how many children
     * @return the greenlet time as a multiple of the platform-thread time
     * @throws Exception on failure or a wrong output
     */
    public static Workloads.Metric processPipes(int n) throws Exception {
        return compare("process_pipes", n, () -> {
            List<Callable<String>> tasks = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                tasks.add(() -> {
                    Process p = new ProcessBuilder("sh", "-c", "sleep 1; echo ok").redirectErrorStream(true).start();
                    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                    int code = p.waitFor();
                    Workloads.check(code == 0, "sh exited with " + code + ": " + out);
                    return out;
                });
            }
            return new Round(tasks, "ok", null);
        });
    }

    /** The tasks of one measured run, and what to clean up after it. */
    private record Round(List<Callable<String>> tasks, String expected, Runnable before) {
    }

    @FunctionalInterface
    private interface RoundFactory {
        Round make() throws Exception;
    }

    private static Workloads.Metric compare(String name, int n, RoundFactory rounds) throws Exception {
        double greenlets = time(rounds.make(), BlockingIoWorkloads::asGreenlets);
        double platform = time(rounds.make(), (tasks, expected) -> onExecutor(
                Executors.newThreadPerTaskExecutor(Thread.ofPlatform().factory()), tasks, expected));
        double virtual = time(rounds.make(), (tasks, expected) -> onExecutor(
                Executors.newVirtualThreadPerTaskExecutor(), tasks, expected));
        System.out.printf(Locale.ROOT, "%s: %d tasks: greenlets %.0f ms, platform threads %.0f ms, virtual threads %.0f ms;"
                + " greenlets/platform %.2f, greenlets/virtual %.2f%n", name, n, greenlets, platform, virtual,
                greenlets / platform, greenlets / virtual);
        return new Workloads.Metric(name, greenlets / platform, "x_of_platform");
    }

    private static double time(Round round, Way way) throws Exception {
        long t = System.nanoTime();
        if (round.before() != null) {
            round.before().run();
        }
        way.runAll(round.tasks(), round.expected());
        return (System.nanoTime() - t) / 1e6;
    }

    private static void asGreenlets(List<Callable<String>> tasks, String expected) throws Exception {
        Gevent.run(() -> {
            List<Greenlet<String>> gs = new ArrayList<>(tasks.size());
            for (Callable<String> task : tasks) {
                gs.add(Gevent.spawn(task));
            }
            Gevent.joinAll(gs);
            for (Greenlet<String> g : gs) {
                Workloads.check(g.successful(), "a greenlet failed: " + g.exception());
                Workloads.check(expected.equals(g.value()), "a greenlet returned " + g.value() + " instead of " + expected);
            }
            return null;
        });
    }

    /**
     * Runs the tasks on the executor from a new platform thread: a virtual thread started from a
     * greenlet (main is one under the agent) would inherit the greenlet's hub as its scheduler.
     */
    private static void onExecutor(ExecutorService executor, List<Callable<String>> tasks, String expected) throws Exception {
        Exception[] failure = new Exception[1];
        Thread driver = Thread.ofPlatform().name("bench-driver").start(() -> {
            try {
                runOn(executor, tasks, expected);
            } catch (Exception e) {
                failure[0] = e;
            }
        });
        driver.join();
        if (failure[0] != null) {
            throw failure[0];
        }
    }

    private static void runOn(ExecutorService executor, List<Callable<String>> tasks, String expected) throws Exception {
        try (executor) {
            List<Future<String>> fs = executor.invokeAll(tasks);
            for (Future<String> f : fs) {
                String value = f.get();
                Workloads.check(expected.equals(value), "a thread returned " + value + " instead of " + expected);
            }
        }
    }

    /** N fresh FIFOs; the round's start also starts the writer that opens them after ~1 s. */
    private static Round fifoRound(int n) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("gevent4j-fifo-open");
        List<String> mkfifo = new ArrayList<>();
        mkfifo.add("mkfifo");
        List<Path> fifos = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Path fifo = dir.resolve("fifo-" + i);
            fifos.add(fifo);
            mkfifo.add(fifo.toString());
        }
        Process p = new ProcessBuilder(mkfifo).inheritIO().start();
        Workloads.check(p.waitFor() == 0, "mkfifo failed (exit " + p.exitValue() + "); it is part of coreutils");
        List<Callable<String>> tasks = new ArrayList<>(n);
        for (Path fifo : fifos) {
            tasks.add(() -> {
                try (FileInputStream in = new FileInputStream(fifo.toFile())) {
                    return String.valueOf((char) in.read());
                }
            });
        }
        Runnable startWriter = () -> Thread.ofPlatform().daemon(true).name("fifo-writer").start(() -> {
            try {
                Thread.sleep(WRITER_DELAY_MS);
                for (Path fifo : fifos) {
                    try (FileOutputStream out = new FileOutputStream(fifo.toFile())) {
                        out.write('x');
                    }
                }
                for (Path fifo : fifos) {
                    Files.delete(fifo);
                }
                Files.delete(dir);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException("the FIFO writer failed", e);
            }
        });
        return new Round(tasks, "x", startWriter);
    }
}
