package io.gevent4j.monkey;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs a test program in a child JVM: the {@code java} of this JVM's {@code java.home}, with or
 * without {@code -javaagent:gevent4j-agent.jar[=options]}, class path = the test classes + the agent
 * jar (+ extra entries), stdout and stderr captured line by line.
 *
 * <pre>{@code
 * ChildJvm.Result r = ChildJvm.agent("threads").run(PlainThreads.class, "500", "1000");
 * }</pre>
 *
 * The programs print their findings as {@code key=value} lines, read with {@link Result#value}.
 * Every wait has a deadline; a child that outlives it is killed and the test fails with its output.
 */
final class ChildJvm {
    /** What the hub needs when the agent does not open it (the root pom's gevent4j.jvmFlags). */
    static final List<String> HUB_FLAGS = List.of("--add-opens", "java.base/java.lang=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED");
    static final Duration DEFAULT_LIMIT = Duration.ofSeconds(60);

    /** The patched-launch caches woven for this test run, by agent options (see {@link #patched}). */
    private static final Map<String, Path> PATCHED_CACHES = new HashMap<>();

    private final List<String> agentFlags = new ArrayList<>();
    /** What goes between the class path and the program's main class (the patched launch's main). */
    private final List<String> launcherMain = new ArrayList<>();
    private final List<String> jvmFlags = new ArrayList<>();
    private final List<String> classpath = new ArrayList<>();
    private final Map<String, String> env = new HashMap<>();
    private Duration limit = DEFAULT_LIMIT;

    private ChildJvm() {
        // C1 only: the children are short-lived, and C2 compiling the agent's install (Byte Buddy)
        // doubles their CPU time on a 2-core machine; it changes no behaviour under test.
        jvmFlags.add("-XX:TieredStopAtLevel=1");
        classpath.add(testClasses().toString());
        classpath.add(agentJar().toString());
    }

    /**
     * A child JVM with the agent.
     *
     * @param options the agent options, or {@code ""} for none
     * @return the builder
     */
    static ChildJvm agent(String options) {
        ChildJvm jvm = new ChildJvm();
        jvm.agentFlags.add("-javaagent:" + agentJar() + (options.isEmpty() ? "" : "=" + options));
        return jvm;
    }

    /** @return a child JVM with the agent and its default patches */
    static ChildJvm agent() {
        return agent("");
    }

    /**
     * A child JVM in the patched launch (no agent): the JDK classes woven ahead of time by the agent
     * jar's weaver into a cache under target/, started with its {@code jvm.args} and {@code PatchedLaunch}
     * as main, as {@code ./gevent4j} does.
     *
     * @param options the agent options, or {@code ""} for none
     * @return the builder
     * @throws Exception if the weaver fails (an {@link AssertionError} with its output)
     */
    static ChildJvm patched(String options) throws Exception {
        ChildJvm jvm = new ChildJvm();
        jvm.agentFlags.add("@" + patchedCache(options).resolve("jvm.args"));
        jvm.launcherMain.add(PATCHED_LAUNCH);
        return jvm;
    }

    /** The main class of the patched launch. */
    static final String PATCHED_LAUNCH = "io.gevent4j.monkey.internal.PatchedLaunch";
    /** The agent jar's weaver. */
    static final String WEAVER = "io.gevent4j.monkey.internal.AheadOfTime";

    /**
     * Weaves (once per test run and option set) the patched-launch cache of these options.
     *
     * @param options the agent options
     * @return the cache directory
     * @throws Exception if the weaver fails
     */
    static synchronized Path patchedCache(String options) throws Exception {
        Path cached = PATCHED_CACHES.get(options);
        if (cached != null) {
            return cached;
        }
        // keyed like ./gevent4j's cache: by JDK build, agent jar and options (a rebuilt agent jar gets new caches)
        String jarSum = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(agentJar())));
        Path dir = testClasses().getParent().resolve("aot-cache-it")
                .resolve(System.getProperty("java.runtime.version").replaceAll("[^A-Za-z0-9.+-]", "_") + "-"
                        + jarSum.substring(0, 16))
                .resolve("options-" + Integer.toHexString(options.hashCode()));
        weave(dir, options).ok();
        PATCHED_CACHES.put(options, dir);
        return dir;
    }

    /**
     * Runs the agent jar's weaver (anew if the directory is missing or damaged).
     *
     * @param dir the cache directory
     * @param options the agent options
     * @return what the weaver did
     * @throws Exception if it cannot be started
     */
    static Result weave(Path dir, String options) throws Exception {
        Running running = noAgent().start(List.of(java().toString(), "-cp", agentJar().toString(), WEAVER,
                dir.toString(), options));
        running.stdin().close();
        return running.finish();
    }

    /** @return a child JVM without the agent (but with the hub's --add-opens flags, so Gevent works) */
    static ChildJvm noAgent() {
        ChildJvm jvm = new ChildJvm();
        jvm.jvmFlags.addAll(HUB_FLAGS);
        return jvm;
    }

    /** @return the built agent jar (system property gevent4j.agentJar, set by the pom) */
    static Path agentJar() {
        Path jar = Path.of(required("gevent4j.agentJar"));
        assertTrue(Files.isRegularFile(jar), "no agent jar at " + jar + ": the *IT tests run after 'package'"
                + " (mvn -B verify -pl patch-agent -am)");
        return jar;
    }

    /** @return the compiled test classes, where the child programs are */
    static Path testClasses() {
        return Path.of(required("gevent4j.testClasses"));
    }

    private static String required(String property) {
        String value = System.getProperty(property);
        if (value == null) {
            throw new IllegalStateException("system property " + property + " is not set; run the test through"
                    + " Maven (patch-agent/pom.xml sets it)");
        }
        return value;
    }

    /** @return the java launcher of this JVM */
    static Path java() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    /**
     * Adds a JVM flag (before the main class).
     *
     * @param flag the flag
     * @return this
     */
    ChildJvm flag(String flag) {
        jvmFlags.add(flag);
        return this;
    }

    /**
     * Adds a second {@code -javaagent} (to test a double install).
     *
     * @param options its options
     * @return this
     */
    ChildJvm secondAgent(String options) {
        agentFlags.add("-javaagent:" + agentJar() + (options.isEmpty() ? "" : "=" + options));
        return this;
    }

    /**
     * Appends a class path entry.
     *
     * @param entry a directory or jar
     * @return this
     */
    ChildJvm classpath(Path entry) {
        classpath.add(entry.toString());
        return this;
    }

    /**
     * Puts a class path entry first, ahead of the agent jar (whose copies of the hub's classes it then
     * hides).
     *
     * @param entry a directory or jar
     * @return this
     */
    ChildJvm classpathFirst(Path entry) {
        classpath.addFirst(entry.toString());
        return this;
    }

    /**
     * Adds another {@code -javaagent:...} flag before gevent4j's (or, with {@code first} false, after it).
     *
     * @param flag the whole flag, e.g. {@code -javaagent:/path/jacocoagent.jar=destfile=x.exec}
     * @param first whether it comes before gevent4j's agent on the command line
     * @return this
     */
    ChildJvm otherAgent(String flag, boolean first) {
        if (first) {
            agentFlags.addFirst(flag);
        } else {
            agentFlags.add(flag);
        }
        return this;
    }

    /**
     * Sets the deadline for the whole child run.
     *
     * @param newLimit how long the child may run
     * @return this
     */
    ChildJvm limit(Duration newLimit) {
        limit = newLimit;
        return this;
    }

    /**
     * The command line for a main class.
     *
     * @param mainClass the program
     * @param args its arguments
     * @return the command
     */
    List<String> command(Class<?> mainClass, String... args) {
        List<String> command = new ArrayList<>();
        command.add(java().toString());
        command.addAll(agentFlags);
        command.addAll(jvmFlags);
        command.add("-cp");
        command.add(String.join(File.pathSeparator, classpath));
        command.addAll(launcherMain);
        command.add(mainClass.getName());
        command.addAll(List.of(args));
        return command;
    }

    /**
     * Runs a program to its end with stdin closed.
     *
     * @param mainClass the program
     * @param args its arguments
     * @return what it did
     * @throws Exception if it cannot be started, or outlived the limit (an {@link AssertionError})
     */
    Result run(Class<?> mainClass, String... args) throws Exception {
        Running running = start(mainClass, args);
        running.stdin().close();
        return running.finish();
    }

    /**
     * Starts a program; its stdin stays open until the test closes it.
     *
     * @param mainClass the program
     * @param args its arguments
     * @return the running child
     * @throws IOException if it cannot be started
     */
    Running start(Class<?> mainClass, String... args) throws IOException {
        return start(command(mainClass, args));
    }

    /**
     * Starts any command with this builder's deadline and environment.
     *
     * @param command the command
     * @return the running child
     * @throws IOException if it cannot be started
     */
    Running start(List<String> command) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(env);
        return new Running(builder.start(), command, limit);
    }

    /**
     * Sets an environment variable of the child.
     *
     * @param name the variable
     * @param value its value
     * @return this
     */
    ChildJvm env(String name, String value) {
        env.put(name, value);
        return this;
    }

    /** A started child: its stdin, and its output as it comes. */
    static final class Running {
        private final Process process;
        private final List<String> command;
        private final long deadline;
        private final long startNanos = System.nanoTime();
        private final List<String> out = new ArrayList<>();
        private final List<String> err = new ArrayList<>();
        private final Thread outPump;
        private final Thread errPump;

        Running(Process process, List<String> command, Duration limit) {
            this.process = process;
            this.command = command;
            this.deadline = startNanos + limit.toNanos();
            this.outPump = pump(process.getInputStream(), out, "stdout");
            this.errPump = pump(process.getErrorStream(), err, "stderr");
        }

        private Thread pump(InputStream stream, List<String> lines, String name) {
            return Thread.ofPlatform().daemon(true).name("child-" + name).start(() -> {
                try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = reader.readLine()) != null) {
                        synchronized (this) {
                            lines.add(line);
                            notifyAll();
                        }
                    }
                } catch (IOException e) {
                    synchronized (this) {
                        lines.add("<" + name + " of the child could not be read: " + e + ">");
                        notifyAll();
                    }
                }
            });
        }

        /** @return the child's stdin */
        OutputStream stdin() {
            return process.getOutputStream();
        }

        /**
         * Waits until the child prints a stdout line that matches.
         *
         * @param what the line wanted
         * @param within how long to wait at most
         * @return the line
         * @throws InterruptedException if interrupted
         * @throws AssertionError if the child ends or the time is up first (the child is then killed)
         */
        String awaitLine(Predicate<String> what, Duration within) throws InterruptedException {
            long until = Math.min(deadline, System.nanoTime() + within.toNanos());
            synchronized (this) {
                int seen = 0;
                while (true) {
                    for (; seen < out.size(); seen++) {
                        if (what.test(out.get(seen))) {
                            return out.get(seen);
                        }
                    }
                    long left = until - System.nanoTime();
                    if (left <= 0 || (!process.isAlive() && !outPump.isAlive())) {
                        break;
                    }
                    TimeUnit.NANOSECONDS.timedWait(this, Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
                }
            }
            process.destroyForcibly();
            throw new AssertionError("the child never printed the expected line within " + within + "\n" + transcript());
        }

        /**
         * Waits for the child to end (within the limit) and for all its output.
         *
         * @return what it did
         * @throws InterruptedException if interrupted
         * @throws AssertionError if it outlived the limit (it is then killed)
         */
        Result finish() throws InterruptedException {
            long left = deadline - System.nanoTime();
            if (!process.waitFor(Math.max(left, 0), TimeUnit.NANOSECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                outPump.join(Duration.ofSeconds(5));
                errPump.join(Duration.ofSeconds(5));
                throw new AssertionError("the child did not end within its limit and was killed\n" + transcript());
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - startNanos);
            outPump.join(Duration.ofSeconds(10));
            errPump.join(Duration.ofSeconds(10));
            synchronized (this) {
                return new Result(process.exitValue(), List.copyOf(out), List.copyOf(err), elapsed, command);
            }
        }

        private synchronized String transcript() {
            return "command: " + String.join(" ", command) + "\n--- stdout\n" + String.join("\n", out)
                    + "\n--- stderr\n" + String.join("\n", err);
        }
    }

    /**
     * What a child did.
     *
     * @param exitCode its exit status
     * @param stdout its stdout lines
     * @param stderr its stderr lines
     * @param elapsed from start to exit, JVM start-up included
     * @param command how it was started
     */
    record Result(int exitCode, List<String> stdout, List<String> stderr, Duration elapsed, List<String> command) {
        /**
         * The value of the last {@code key=value} line on stdout.
         *
         * @param key the key
         * @return the value
         * @throws AssertionError if there is no such line
         */
        String value(String key) {
            for (int i = stdout.size() - 1; i >= 0; i--) {
                if (stdout.get(i).startsWith(key + "=")) {
                    return stdout.get(i).substring(key.length() + 1);
                }
            }
            throw new AssertionError("the child printed no '" + key + "=' line\n" + this);
        }

        /**
         * @param key the key
         * @return the value of the last {@code key=value} line, as a long
         */
        long number(String key) {
            return Long.parseLong(value(key));
        }

        /** @return stdout as one string */
        String out() {
            return String.join("\n", stdout);
        }

        /** @return stderr as one string */
        String err() {
            return String.join("\n", stderr);
        }

        /** @return the first stderr line, or {@code ""} */
        String firstErrLine() {
            return stderr.isEmpty() ? "" : stderr.get(0);
        }

        /**
         * Asserts a clean run (exit 0) and returns this.
         *
         * @return this
         */
        Result ok() {
            if (exitCode != 0) {
                throw new AssertionError("the child exited with " + exitCode + "\n" + this);
            }
            return this;
        }

        @Override
        public String toString() {
            return "command: " + String.join(" ", command) + "\nexit " + exitCode + " after " + elapsed.toMillis()
                    + " ms\n--- stdout\n" + out() + "\n--- stderr\n" + err();
        }
    }
}
