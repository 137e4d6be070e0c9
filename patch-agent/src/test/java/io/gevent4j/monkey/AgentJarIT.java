package io.gevent4j.monkey;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** gevent4j-agent.jar itself: its manifest, its shading (BlockHound's JarFileShadingTest), its Main-Class. */
@Timeout(60)
class AgentJarIT {
    private static final String AGENT = "io.gevent4j.monkey.internal.Agent";

    @Test
    void theManifestNamesTheAgentEntryPointsAndAllowsRetransformation() throws IOException {
        try (JarFile jar = new JarFile(ChildJvm.agentJar().toFile())) {
            Attributes main = jar.getManifest().getMainAttributes();
            assertEquals(AGENT, main.getValue("Premain-Class"));
            assertEquals(AGENT, main.getValue("Agent-Class"));
            assertEquals(AGENT, main.getValue("Launcher-Agent-Class"));
            assertEquals("true", main.getValue("Can-Retransform-Classes"));
            assertEquals("io.gevent4j.monkey.internal.AgentInfo", main.getValue("Main-Class"));
            for (String entryPoint : List.of(AGENT, "io.gevent4j.monkey.internal.AgentInfo")) {
                assertTrue(jar.getEntry(entryPoint.replace('.', '/') + ".class") != null, entryPoint + " is not in the jar");
            }
        }
    }

    @Test
    void everyClassIsUnderIoGevent4jAndByteBuddyIsRelocated() throws IOException {
        List<String> leaked = new ArrayList<>();
        int byteBuddy = 0;
        try (JarFile jar = new JarFile(ChildJvm.agentJar().toFile())) {
            for (JarEntry entry : Collections.list(jar.entries())) {
                String name = entry.getName();
                if (entry.isDirectory()) {
                    continue;
                }
                if (name.startsWith("io/gevent4j/agent/shaded/bytebuddy/") && name.endsWith(".class")) {
                    byteBuddy++;
                }
                if (name.endsWith(".class") && !name.startsWith("io/gevent4j/")) {
                    leaked.add(name);
                } else if (!name.endsWith(".class") && !name.startsWith("META-INF/") && !name.startsWith("io/gevent4j/")) {
                    leaked.add(name);
                } else if (name.startsWith("META-INF/services/")) {
                    // a service file would make the JDK load the named classes from the application's side
                    String content = new String(jar.getInputStream(entry).readAllBytes(), StandardCharsets.UTF_8);
                    for (String line : content.split("\n")) {
                        String service = line.strip();
                        if (!service.isEmpty() && !service.startsWith("#") && !service.startsWith("io.gevent4j.")) {
                            leaked.add(name + " -> " + service);
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), leaked, "unrelocated third-party entries in the agent jar");
        assertTrue(byteBuddy > 1000, "Byte Buddy is not in the jar under io/gevent4j/agent/shaded/bytebuddy: " + byteBuddy);
    }

    @Test
    void javaDashJarOnTheAgentRunsTheSelfTestAndListsThePatches() throws Exception {
        var run = ChildJvm.noAgent().start(List.of(ChildJvm.java().toString(), "-jar", ChildJvm.agentJar().toString()));
        run.stdin().close();
        ChildJvm.Result result = run.finish().ok();
        assertTrue(result.out().contains("self-test passed, patched [sleep, socket, hubpoller, selector, file, process, dns, threadscope, main]"), result.toString());
        assertEquals(List.of(), result.stderr(), result.toString());
    }
}
