package io.gevent4j.docs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Compiles and runs every API-mode Java code block of the README, in a child JVM with the flag the
 * README tells users to pass, so that the README can never rot.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReadmeCodeTest {
    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern CLASS_NAME = Pattern.compile("public class (\\w+)");

    static List<String> javaBlocks() throws Exception {
        Path readme = Path.of("..", "README.md");
        String text = Files.readString(readme);
        List<String> blocks = new ArrayList<>();
        Matcher m = JAVA_BLOCK.matcher(text);
        while (m.find()) {
            blocks.add(m.group(1));
        }
        return blocks;
    }

    @Test
    void everyApiModeBlockCompilesAndRuns(@TempDir Path dir) throws Exception {
        List<String> blocks = javaBlocks();
        assertFalse(blocks.isEmpty(), "README has no java code block");
        int ran = 0;
        for (String block : blocks) {
            if (block.contains("// agent mode")) {
                continue; // run by the patch-agent module's README test, under -javaagent
            }
            Matcher name = CLASS_NAME.matcher(block);
            assertTrue(name.find(), "a README java block has no public class:\n" + block);
            Path source = dir.resolve(name.group(1) + ".java");
            Files.writeString(source, block);
            JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
            ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
            int rc = javac.run(null, diagnostics, diagnostics, "-d", dir.toString(),
                    "-cp", System.getProperty("java.class.path"), source.toString());
            assertEquals(0, rc, "README block does not compile:\n" + diagnostics.toString(StandardCharsets.UTF_8));
            String java = ProcessHandle.current().info().command().orElseThrow();
            Process p = new ProcessBuilder(java, "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                    "-cp", dir + File.pathSeparator + System.getProperty("java.class.path"), name.group(1))
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "README block " + name.group(1) + " did not finish");
            assertEquals(0, p.exitValue(), "README block " + name.group(1) + " failed:\n" + out);
            ran++;
        }
        assertTrue(ran > 0, "no API-mode README block was run");
    }

    @Test
    void quickStartRunsTheThousandSleepsConcurrently(@TempDir Path dir) throws Exception {
        String block = javaBlocks().stream().filter(b -> b.contains("class QuickStart")).findFirst().orElseThrow();
        Path source = dir.resolve("QuickStart.java");
        Files.writeString(source, block);
        assertEquals(0, ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", dir.toString(),
                "-cp", System.getProperty("java.class.path"), source.toString()));
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder(java, "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                "-cp", dir + File.pathSeparator + System.getProperty("java.class.path"), "QuickStart")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        Matcher took = Pattern.compile("greenlet 999 done; 1000 x 500 ms took (\\d+) ms").matcher(out);
        assertTrue(took.find(), out);
        // sequentially this would take 500 s; concurrently it is about half a second
        assertTrue(Long.parseLong(took.group(1)) < 30_000, out);
    }
}
