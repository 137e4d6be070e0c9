package io.gevent4j.monkey.programs;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A greenlet blocked reading a pipe while another greenlet ticks every 10 ms (plain
 * {@code Thread.sleep}). Prints {@code line} (what was read) and {@code ticksWhileReading}.
 *
 * <p>Args: {@code process} reads the stdout of {@code /bin/sh -c 'sleep 1; echo x'};
 * {@code stdin} reads a line of {@code System.in}, and once it has ticked 30 times while the reader
 * waits, prints {@code ticking-while-reading} so that the test knows to write the line.
 */
public final class PipeReader {
    private PipeReader() {
    }

    /**
     * Runs the program; prints its findings as {@code key=value} lines.
     *
     * @param args see the class comment
     * @throws Exception whatever the program throws (the child's exit status then shows it)
     */
    public static void main(String[] args) throws Exception {
        boolean stdin = args[0].equals("stdin");
        AtomicInteger ticks = new AtomicInteger();
        AtomicBoolean reading = new AtomicBoolean();
        AtomicBoolean done = new AtomicBoolean();
        Process process = stdin ? null : new ProcessBuilder("/bin/sh", "-c", "sleep 1; echo x").start();
        Greenlet<String> reader = Gevent.spawn(() -> {
            BufferedReader lines = new BufferedReader(new InputStreamReader(
                    stdin ? System.in : process.getInputStream(), StandardCharsets.UTF_8));
            reading.set(true);
            try {
                return lines.readLine();
            } finally {
                done.set(true);
            }
        });
        Greenlet<Integer> ticker = Gevent.spawn(() -> {
            int whileReading = 0;
            boolean announced = false;
            while (!done.get()) {
                Thread.sleep(10);
                if (reading.get() && !done.get()) {
                    whileReading++;
                }
                if (stdin && whileReading >= 30 && !announced) {
                    announced = true;
                    System.out.println("ticking-while-reading");
                }
            }
            return whileReading;
        });
        Gevent.joinAll(List.of(reader, ticker));
        System.out.println("line=" + reader.get());
        System.out.println("ticksWhileReading=" + ticker.get());
        if (process != null) {
            System.out.println("processExit=" + process.waitFor());
        }
    }
}
