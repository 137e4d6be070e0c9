package io.gevent4j.monkey;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Starts a child JVM with the built agent jar ({@code -javaagent:gevent4j-agent.jar[=options]}) running
 * a main class of the test classes, and collects what it printed. The paths come from the system
 * properties {@code gevent4j.agentJar} and {@code gevent4j.testClasses} that the patch-agent pom sets.
 */
final class HubPollerChildJvm {
    private HubPollerChildJvm() {
    }

    /**
     * What a child printed.
     *
     * @param exitCode the exit status
     * @param out its stdout
     * @param err its stderr
     */
    record Result(int exitCode, String out, String err) {
        /**
         * The {@code key=value} pairs of the line {@code RESULT <scenario> ...}; fails the test, with the
         * child's output, when the scenario failed or printed nothing.
         *
         * @param scenario the scenario name
         * @return its values, in order
         */
        Map<String, String> scenario(String scenario) {
            for (String line : out.split("\n")) {
                String[] words = line.trim().split(" ");
                if (words.length >= 2 && words[0].equals("RESULT") && words[1].equals(scenario)) {
                    Map<String, String> values = new LinkedHashMap<>();
                    for (int i = 2; i < words.length; i++) {
                        int eq = words[i].indexOf('=');
                        values.put(words[i].substring(0, eq), words[i].substring(eq + 1));
                    }
                    return values;
                }
            }
            return fail("the child printed no RESULT line for '" + scenario + "' (exit " + exitCode + ")\nstdout:\n"
                    + out + "\nstderr:\n" + err);
        }

        /** @return stdout and stderr, for assertion messages */
        String describe() {
            return "exit " + exitCode + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    /**
     * Runs {@code mainClass} in a child JVM under the agent.
     *
     * @param agentOptions the agent options ("" for the defaults)
     * @param timeout how long the child may take before it is killed and the test fails
     * @param mainClass the main class, from the test classes
     * @param args its arguments
     * @return what it printed
     * @throws IOException if the child cannot be started
     * @throws InterruptedException if interrupted while waiting
     */
    static Result run(String agentOptions, Duration timeout, String mainClass, String... args)
            throws IOException, InterruptedException {
        String agentJar = System.getProperty("gevent4j.agentJar");
        String testClasses = System.getProperty("gevent4j.testClasses");
        assertNotNull(agentJar, "system property gevent4j.agentJar (set by the patch-agent pom) is missing");
        assertNotNull(testClasses, "system property gevent4j.testClasses (set by the patch-agent pom) is missing");
        if (!Files.isRegularFile(Path.of(agentJar))) {
            fail("the agent jar " + agentJar + " does not exist; build it with 'mvn -pl patch-agent -am package'");
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-javaagent:" + agentJar + (agentOptions.isEmpty() ? "" : "=" + agentOptions));
        command.add("-cp");
        command.add(testClasses);
        command.add(mainClass);
        command.addAll(List.of(args));
        Path out = Files.createTempFile("gevent4j-hubpoller-child", ".out");
        Path err = Files.createTempFile("gevent4j-hubpoller-child", ".err");
        try {
            Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                fail("the child JVM " + command + " did not finish within " + timeout + "\nstdout:\n"
                        + Files.readString(out, StandardCharsets.UTF_8) + "\nstderr:\n"
                        + Files.readString(err, StandardCharsets.UTF_8));
            }
            return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
