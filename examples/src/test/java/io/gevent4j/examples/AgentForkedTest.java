package io.gevent4j.examples;

import io.gevent4j.Gevent;
import io.gevent4j.core.Carrier;
import org.jsoup.Jsoup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.gevent4j.examples.RunResult.bytes;
import static io.gevent4j.examples.RunResult.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tools as {@code ./gevent4j} runs them: a separate JVM with {@code -javaagent:gevent4j-agent.jar},
 * where {@code main} itself is a greenlet and {@code Thread.sleep} (the retry backoff) is patched.
 */
@Timeout(180)
class AgentForkedTest {
    /** The agent artifact (classifier agent), which the examples pom copies and names in this property. */
    private static final Path AGENT = Path.of(System.getProperty("gevent4j.agentJar", "target/agent/gevent4j-agent.jar"));

    @TempDir
    Path tmp;

    private record Fork(int code, String output) {
    }

    private Fork fork(String mainClass, String... args) throws Exception {
        assertTrue(Files.isRegularFile(AGENT), "no " + AGENT + ": the examples pom copies the agent artifact"
                + " (io.gevent4j:gevent4j-patch-agent, classifier agent) there; build with"
                + " `mvn -B -pl patch-agent,examples -am verify` (the package phase makes the agent jar)");
        List<String> classpath = new ArrayList<>();
        for (Class<?> c : List.of(ImageDownloader.class, Gevent.class, Carrier.class, CommandLine.class, Jsoup.class)) {
            classpath.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-javaagent:" + AGENT, "-cp", String.join(File.pathSeparator, classpath), mainClass));
        command.addAll(List.of(args));
        Path log = tmp.resolve("fork-" + System.nanoTime() + ".log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(150, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("the forked JVM did not finish in 150 s:\n" + Files.readString(log));
        }
        String output = Files.readString(log);
        System.out.println("exit " + p.exitValue() + "\n" + output);
        return new Fork(p.exitValue(), output);
    }

    @Test
    void theImageDownloaderRunsUnderTheAgent() throws Exception {
        try (TestServer server = TestServer.http()) {
            StringBuilder html = new StringBuilder("<html><body>");
            for (int i = 0; i < 16; i++) {
                server.add("/img/" + i + ".png", bytes(i, 20_000), "image/png").delay("/img/" + i + ".png", 200);
                html.append("<img src='img/").append(i).append(".png'>");
            }
            server.page("/page.html", html.append("</body></html>").toString());
            server.fail("/img/3.png", new TestServer.Status(503, -1)).fail("/img/5.png", new TestServer.Drop());
            Path out = tmp.resolve("out");

            Fork f = fork(ImageDownloader.class.getName(), "--out", out.toString(), "--progress", "lines",
                    "--retry-delay", "0.1", server.url("/page.html"));

            assertEquals(0, f.code(), f.output());
            for (int i = 0; i < 16; i++) {
                assertEquals(sha256(bytes(i, 20_000)), sha256(out.resolve(i + ".png")));
            }
            assertTrue(f.output().contains("16 downloaded"), f.output());
            assertTrue(server.maxInFlight() > 1, "the downloads ran one at a time: " + server.maxInFlight());
        }
    }

    @Test
    void theDemoRunsUnderTheAgent() throws Exception {
        Fork f = fork(Demo.class.getName(), "--out", tmp.toString(), "--delay-ms", "20", "--progress", "lines");

        assertEquals(0, f.code(), f.output());
        assertTrue(f.output().contains("Speed-up: ") && f.output().contains("files of both runs are identical"), f.output());
        try (Stream<Path> images = Files.list(tmp.resolve("images"))) {
            assertEquals(40, images.count());
        }
        assertTrue(Files.size(tmp.resolve("videos/demo.ts")) > 0);
    }
}
