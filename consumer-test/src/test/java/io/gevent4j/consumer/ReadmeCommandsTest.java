package io.gevent4j.consumer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Keeps the README's shell and Maven blocks true (its Java blocks are compiled and run by
 * ReadmeCodeTest and ReadmeAgentModeTest): every {@code ./gevent4j} command it shows is one the launcher
 * has, the tools accept every option the README gives them, the agent jar it names exists, and the
 * dependency it tells users to add is the one the consumer project builds with.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ReadmeCommandsTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    /** The subcommands that are picocli tools: {@code --help} lists their options. */
    private static final Set<String> TOOLS = Set.of("download-images", "download-video", "crawl", "echo-server");

    static List<String> blocks(String language) throws IOException {
        Matcher m = Pattern.compile("```" + language + "\\n(.*?)```", Pattern.DOTALL)
                .matcher(Files.readString(ROOT.resolve("README.md")));
        List<String> out = new ArrayList<>();
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /** The command lines of the README's sh blocks, without their trailing comments. */
    static List<String> commandLines() throws IOException {
        List<String> lines = new ArrayList<>();
        for (String block : blocks("sh")) {
            for (String line : block.split("\n")) {
                String command = line.replaceAll("\\s+#.*$", "").strip();
                if (!command.isEmpty()) {
                    lines.add(command);
                }
            }
        }
        return lines;
    }

    static String launcher(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(ROOT.resolve("gevent4j").toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "did not finish: " + command);
        assertEquals(0, p.exitValue(), command + " failed:\n" + out);
        return out;
    }

    @Test
    void everyLauncherCommandInTheReadmeExistsWithTheOptionsItShows() throws Exception {
        String help = launcher("help");
        Set<String> subcommands = new TreeSet<>();
        Matcher listed = Pattern.compile("(?m)^  ([a-z][a-z-]+)\\b").matcher(help);
        while (listed.find()) {
            subcommands.add(listed.group(1));
        }
        int checked = 0;
        for (String line : commandLines()) {
            if (!line.startsWith("./gevent4j ")) {
                continue;
            }
            String[] words = line.split("\\s+");
            String sub = words[1];
            assertTrue(subcommands.contains(sub), "the README shows './gevent4j " + sub + "', which the launcher"
                    + " does not have (it has " + subcommands + ")");
            if (TOOLS.contains(sub)) {
                String usage = launcher(sub, "--help");
                for (String word : words) {
                    if (word.startsWith("--")) {
                        assertTrue(usage.contains(word), "'" + line + "': " + sub + " has no option " + word + "\n" + usage);
                    }
                }
            }
            checked++;
        }
        assertTrue(checked >= 5, "the README shows fewer launcher commands than expected: " + commandLines());
    }

    @Test
    void theAgentJarTheReadmeNamesIsBuiltThere() throws Exception {
        int named = 0;
        for (String line : commandLines()) {
            Matcher agent = Pattern.compile("-javaagent:(\\S+?\\.jar)").matcher(line);
            while (agent.find()) {
                String jar = agent.group(1);
                if (jar.contains("/")) { // a path in this checkout, not the user's own copy
                    assertTrue(Files.isRegularFile(ROOT.resolve(jar)), "the README names " + jar + ", which is not built");
                    named++;
                }
            }
        }
        assertTrue(named >= 1, "no README command names the built agent jar");
    }

    @Test
    void theDependencyTheReadmeGivesIsTheOneTheConsumerProjectUses() throws Exception {
        List<String> xml = blocks("xml");
        assertFalse(xml.isEmpty(), "the README shows no Maven dependency");
        String consumerPom = Files.readString(Path.of("src/test/resources/consumer-project/pom.xml"));
        for (String block : xml) {
            String groupId = element(block, "groupId");
            String artifactId = element(block, "artifactId");
            assertTrue(consumerPom.contains("<groupId>" + groupId + "</groupId>")
                    && consumerPom.contains("<artifactId>" + artifactId + "</artifactId>"),
                    "the consumer project does not depend on " + groupId + ":" + artifactId);
            assertEquals(System.getProperty("gevent4j.version"), element(block, "version"),
                    "the README's dependency version is not this build's");
        }
    }

    private static String element(String xml, String name) {
        Matcher m = Pattern.compile("<" + name + ">([^<]+)</" + name + ">").matcher(xml);
        assertTrue(m.find(), "no <" + name + "> in\n" + xml);
        return m.group(1).strip();
    }
}
