package io.gevent4j.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JdkCheckTest {

    /** A main that uses a greenlet; run in a child JVM without --add-opens. */
    public static final class UsesGreenlet {
        public static void main(String[] args) {
            new RawGreenlet(v -> v).switchTo("x");
            System.out.println("greenlet ran");
        }
    }

    @Test
    void withoutAddOpensTheFirstUseSaysWhichFlagIsNeeded() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                UsesGreenlet.class.getName()))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(50, TimeUnit.SECONDS));
        assertNotEquals(0, p.exitValue(), out);
        assertTrue(out.contains("--add-opens java.base/java.lang=ALL-UNNAMED"), out);
        assertTrue(out.contains("-javaagent:gevent4j-agent.jar"), out);
        assertTrue(out.contains("UnsupportedRuntimeException"), out);
        assertFalse(out.contains("greenlet ran"), out);
    }

    @Test
    void withTheFlagItRuns() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder(List.of(java, "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), UsesGreenlet.class.getName()))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(50, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("greenlet ran"), out);
        assertNotNull(File.pathSeparator);
    }
}
