package io.gevent4j.consumer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.ToolProvider;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Compiles every agent-mode Java block of the README (marked "// agent mode: run with
 * -javaagent:gevent4j-agent.jar[=options]") and runs it under the built agent, as the README says.
 * (API-mode blocks are run by the hub module's ReadmeCodeTest.)
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ReadmeAgentModeTest {
    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern MARKER = Pattern.compile("// agent mode: run with -javaagent:gevent4j-agent\\.jar(=\\S+)?");
    private static final Pattern CLASS_NAME = Pattern.compile("public class (\\w+)");

    @Test
    void everyAgentModeBlockRunsUnderTheAgent(@TempDir Path dir) throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        Path agent = Path.of(System.getProperty("gevent4j.agentJar")); // the agent artifact, copied by the pom
        assertTrue(Files.exists(agent), "the pom's copy-agent execution puts the agent artifact at " + agent);
        String readme = Files.readString(root.resolve("README.md"));
        Matcher blocks = JAVA_BLOCK.matcher(readme);
        int ran = 0;
        while (blocks.find()) {
            String block = blocks.group(1);
            Matcher marker = MARKER.matcher(block);
            if (!marker.find()) {
                continue;
            }
            Matcher name = CLASS_NAME.matcher(block);
            assertTrue(name.find(), "an agent-mode README block has no public class:\n" + block);
            Path source = dir.resolve(name.group(1) + ".java");
            Files.writeString(source, block);
            assertEquals(0, ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", dir.toString(),
                    source.toString()), "README block " + name.group(1) + " does not compile");
            String options = marker.group(1) == null ? "" : marker.group(1);
            String java = ProcessHandle.current().info().command().orElseThrow();
            Process p = new ProcessBuilder(java, "-javaagent:" + agent + options, "-cp", dir.toString(), name.group(1))
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "README block " + name.group(1) + " did not finish");
            assertEquals(0, p.exitValue(), "README block " + name.group(1) + " failed:\n" + out);
            Matcher took = Pattern.compile("1000 x 500 ms took (\\d+) ms").matcher(out);
            if (took.find()) {
                // one after another this would take 500 s
                assertTrue(Long.parseLong(took.group(1)) < 30_000, out);
            }
            ran++;
        }
        assertTrue(ran > 0, "the README has no agent-mode block");
    }
}
