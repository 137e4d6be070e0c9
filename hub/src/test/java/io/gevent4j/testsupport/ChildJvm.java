package io.gevent4j.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a main class of the test class path in a child JVM (with the flags greenlets need) and returns
 * its exit code and merged output. Optionally under {@code sh -c 'ulimit -n N; exec java ...'}.
 */
public final class ChildJvm {
    /** A finished child: its exit code and its stdout and stderr, merged. */
    public record Result(int exitCode, String output) {
    }

    private ChildJvm() {
    }

    /**
     * Builds the command line of a child JVM.
     *
     * @param jvmArgs extra JVM options
     * @param main the main class
     * @param args its arguments
     * @return the command
     */
    public static List<String> command(List<String> jvmArgs, Class<?> main, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("--add-opens", "java.base/java.lang=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-Xshare:auto"));
        command.addAll(jvmArgs);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        return command;
    }

    /**
     * Runs a child JVM to its end.
     *
     * @param jvmArgs extra JVM options
     * @param timeoutSeconds how long it may run before it is killed and the call fails
     * @param main the main class
     * @param args its arguments
     * @return its exit code and output
     * @throws IOException if it cannot be started
     * @throws InterruptedException if interrupted
     */
    public static Result run(List<String> jvmArgs, long timeoutSeconds, Class<?> main, String... args)
            throws IOException, InterruptedException {
        return run(command(jvmArgs, main, args), timeoutSeconds);
    }

    /**
     * Runs a child JVM under a shell that first sets {@code ulimit -n}.
     *
     * @param maxFds the open-file limit for the child
     * @param jvmArgs extra JVM options
     * @param timeoutSeconds how long it may run
     * @param main the main class
     * @param args its arguments
     * @return its exit code and output
     * @throws IOException if it cannot be started
     * @throws InterruptedException if interrupted
     */
    public static Result runWithFdLimit(int maxFds, List<String> jvmArgs, long timeoutSeconds, Class<?> main, String... args)
            throws IOException, InterruptedException {
        StringBuilder script = new StringBuilder("ulimit -n " + maxFds + " || exit 97; exec");
        for (String part : command(jvmArgs, main, args)) {
            script.append(" '").append(part.replace("'", "'\\''")).append('\'');
        }
        return run(List.of("/bin/sh", "-c", script.toString()), timeoutSeconds);
    }

    private static Result run(List<String> command, long timeoutSeconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        // read on another thread so that a child that fills the pipe cannot hang the test
        StringBuilder out = new StringBuilder();
        Thread reader = Thread.ofPlatform().daemon().start(() -> {
            try {
                String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                synchronized (out) {
                    out.append(text);
                }
            } catch (IOException e) {
                synchronized (out) {
                    out.append("\n[reading the child's output failed: ").append(e).append(']');
                }
            }
        });
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            reader.join(5_000);
            synchronized (out) {
                throw new AssertionError("child JVM " + command + " did not end within " + timeoutSeconds + " s; output:\n" + out);
            }
        }
        reader.join(10_000);
        synchronized (out) {
            return new Result(p.exitValue(), out.toString());
        }
    }
}
