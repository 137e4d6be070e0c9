package io.gevent4j.consumer;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Builds the separate Maven project under src/test/resources/consumer-project against the gevent4j
 * artifacts just installed in the local repository, and runs its two programs exactly as the README
 * tells a user to: one in API mode, one plain blocking program under -javaagent.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ConsumerProjectTest {
    @TempDir
    static Path work;
    static Path project;

    static String run(Path dir, List<String> command, long timeoutSeconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(timeoutSeconds, TimeUnit.SECONDS), "did not finish: " + command);
        assertEquals(0, p.exitValue(), "failed: " + command + "\n" + out);
        return out;
    }

    static String java() {
        return ProcessHandle.current().info().command().orElseThrow();
    }

    @BeforeAll
    static void buildTheConsumerProject() throws Exception {
        project = work.resolve("my-app");
        Path source = Path.of("src/test/resources/consumer-project");
        try (Stream<Path> files = Files.walk(source)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path target = project.resolve(source.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
        List<String> mvn = new ArrayList<>(List.of("mvn", "-B", "-q", "package",
                "-Dgevent4j.version=" + System.getProperty("gevent4j.version")));
        String repo = System.getProperty("maven.repo.local");
        if (repo != null) {
            mvn.add("-Dmaven.repo.local=" + repo);
        }
        run(project, mvn, 480);
    }

    @Test
    void apiModeProgramRunsWithTheOneFlag() throws Exception {
        String cp = "target/my-app-1.0.jar" + File.pathSeparator + "target/lib/*";
        String out = run(project, List.of(java(), "--add-opens", "java.base/java.lang=ALL-UNNAMED", "-cp", cp,
                "demo.ApiMain"), 120);
        Matcher m = Pattern.compile("api mode: sum 4950 in (\\d+) ms").matcher(out);
        assertTrue(m.find(), out);
        assertTrue(Long.parseLong(m.group(1)) < 20_000, "100 x 300 ms sleeps did not overlap: " + out);
    }

    @Test
    void plainBlockingProgramRunsUnderTheAgent() throws Exception {
        String out = run(project, List.of(java(), "-javaagent:target/gevent4j-agent.jar=threads", "-jar",
                "target/my-app-1.0.jar"), 120);
        Matcher m = Pattern.compile("agent mode: 100 threads slept 300 ms in (\\d+) ms").matcher(out);
        assertTrue(m.find(), out);
        assertTrue(Long.parseLong(m.group(1)) < 20_000, out);
    }

    @Test
    void withoutTheFlagApiModeSaysWhatIsMissing() throws Exception {
        String cp = "target/my-app-1.0.jar" + File.pathSeparator + "target/lib/*";
        Process p = new ProcessBuilder(java(), "-cp", cp, "demo.ApiMain").directory(project.toFile())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertNotEquals(0, p.exitValue());
        assertTrue(out.contains("--add-opens java.base/java.lang=ALL-UNNAMED"), out);
    }
}
