package io.gevent4j.consumer;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Checks what {@code ./gevent4j install} put in the local repository for each published module: the
 * main jar with its module name, a sources jar, a javadoc jar, and a pom carrying (with its parent)
 * the metadata a public repository requires.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class PublishedArtifactsTest {
    static Path repository() {
        String repo = System.getProperty("maven.repo.local");
        return repo != null ? Path.of(repo) : Path.of(System.getProperty("user.home"), ".m2", "repository");
    }

    static Path artifactDir(String artifactId) {
        return repository().resolve("io/gevent4j").resolve(artifactId).resolve(System.getProperty("gevent4j.version"));
    }

    @ParameterizedTest
    @CsvSource({"gevent4j-greenlet-core, io.gevent4j.core, io/gevent4j/core/RawGreenlet",
            "gevent4j-hub, io.gevent4j, io/gevent4j/Gevent",
            "gevent4j-junit, io.gevent4j.testing, io/gevent4j/testing/GeventLeakCheck",
            "gevent4j-patch-agent, io.gevent4j.monkey, io/gevent4j/monkey/Monkey"})
    void mainSourcesAndJavadocJarsAreInstalled(String artifactId, String moduleName, String someClass) throws IOException {
        Path dir = artifactDir(artifactId);
        String base = artifactId + "-" + System.getProperty("gevent4j.version");
        try (JarFile main = new JarFile(dir.resolve(base + ".jar").toFile())) {
            assertEquals(moduleName, main.getManifest().getMainAttributes().getValue("Automatic-Module-Name"));
            assertNotNull(main.getEntry(someClass + ".class"));
        }
        try (JarFile sources = new JarFile(dir.resolve(base + "-sources.jar").toFile())) {
            assertNotNull(sources.getEntry(someClass + ".java"), "sources jar lacks " + someClass);
        }
        try (JarFile javadoc = new JarFile(dir.resolve(base + "-javadoc.jar").toFile())) {
            // javadoc puts a named module's pages under a folder named after the module
            assertNotNull(javadoc.getEntry(moduleName + "/" + someClass + ".html"), "javadoc jar lacks " + someClass);
            assertNotNull(javadoc.getEntry("index.html"));
        }
        String pom = Files.readString(dir.resolve(base + ".pom"));
        assertTrue(pom.contains("<name>") && pom.contains("<description>"), "pom lacks name/description: " + artifactId);
    }

    @org.junit.jupiter.api.Test
    void theHubShipsNoJunitAndDependsOnNone() throws IOException {
        String base = "gevent4j-hub-" + System.getProperty("gevent4j.version");
        String pom = Files.readString(artifactDir("gevent4j-hub").resolve(base + ".pom"));
        assertFalse(pom.contains("<groupId>org.junit"), "the hub's pom depends on JUnit; the leak check lives in gevent4j-junit");
        try (JarFile hub = new JarFile(artifactDir("gevent4j-hub").resolve(base + ".jar").toFile())) {
            assertTrue(hub.stream().noneMatch(e -> e.getName().startsWith("io/gevent4j/testing/") && e.getName().endsWith(".class")),
                    "the hub jar still holds io.gevent4j.testing");
        }
    }

    @ParameterizedTest
    @CsvSource({"<url>https://github.com/gevent4j/gevent4j</url>", "<licenses>", "<developers>", "<scm>"})
    void parentPomCarriesRepositoryMetadata(String element) throws IOException {
        String pom = Files.readString(artifactDir("gevent4j-parent").resolve("gevent4j-parent-"
                + System.getProperty("gevent4j.version") + ".pom"));
        assertTrue(pom.contains(element), "the parent pom lacks " + element);
    }

    @ParameterizedTest
    @CsvSource({"gevent4j-agent.jar", "gevent4j-patch-agent-VERSION-agent.jar"})
    void theAgentJarIsSelfContained(String name) throws IOException {
        Path jar = name.startsWith("gevent4j-patch-agent")
                ? artifactDir("gevent4j-patch-agent").resolve(name.replace("VERSION", System.getProperty("gevent4j.version")))
                : Path.of(System.getProperty("gevent4j.agentJar")); // the artifact as the pom's copy-agent gets it
        try (JarFile agent = new JarFile(jar.toFile())) {
            assertNotNull(agent.getManifest().getMainAttributes().getValue("Premain-Class"));
            for (String inside : new String[] {"io/gevent4j/Gevent.class", "io/gevent4j/core/RawGreenlet.class",
                    "io/gevent4j/monkey/Monkey.class"}) {
                assertNotNull(agent.getEntry(inside), jar + " lacks " + inside);
            }
            assertTrue(agent.stream().anyMatch(e -> e.getName().contains("/bytebuddy/") && e.getName().startsWith("io/gevent4j/")),
                    "Byte Buddy is not relocated inside " + jar);
        }
    }
}
