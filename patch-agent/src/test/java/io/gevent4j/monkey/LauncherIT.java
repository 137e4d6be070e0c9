package io.gevent4j.monkey;

import io.gevent4j.monkey.programs.ExitBehaviour;
import io.gevent4j.monkey.programs.PatchReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The repository's launcher {@code ./gevent4j}: {@code run <main-class|app.jar> [args]} in both launch
 * modes (patched, the default, and agent), its per-JDK-build cache of woven classes, its rebuild of
 * stale jars, and its version from the root pom.
 */
@Timeout(180)
class LauncherIT {
    @TempDir
    Path tmp;

    private static Path launcher() {
        Path module = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
        Path script = module.toAbsolutePath().getParent().resolve("gevent4j");
        assertTrue(Files.isExecutable(script), "no launcher at " + script);
        return script;
    }

    /**
     * The launcher with the JDK of this JVM and the test classes as CLASSPATH; the java it starts runs
     * C1-only like the other child JVMs (the launcher prints a note about JDK_JAVA_OPTIONS on stderr).
     */
    private ChildJvm launcherEnv() {
        return ChildJvm.noAgent().env("JAVA_HOME", System.getProperty("java.home"))
                .env("XDG_CACHE_HOME", tmp.resolve("xdg-cache").toString())
                .env("CLASSPATH", ChildJvm.testClasses().toString())
                .env("JDK_JAVA_OPTIONS", "-XX:TieredStopAtLevel=1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"patched", "agent"})
    void runAMainClassFromTheClasspathPassingArgumentsAndExitCode(String launch) throws Exception {
        ChildJvm.Result r = launch(launcherEnv().env("GEVENT4J_LAUNCH", launch), "run", ExitBehaviour.class.getName(), "exit");

        assertEquals(3, r.exitCode(), r.toString());
        assertEquals(List.of("main-started"), r.stdout(), r.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"patched", "agent"})
    void runAnExecutableJarWithThePatches(String launch) throws Exception {
        Path jar = tmp.resolve("app.jar");
        writeJar(jar, PatchReport.class);
        ChildJvm.Result r = launch(launcherEnv().env("GEVENT4J_LAUNCH", launch), "run", jar.toString()).ok();

        assertEquals("sleep,socket,hubpoller,selector,file,process,dns,threadscope,main", r.value("patched"), r.toString());
        assertEquals("true", r.value("mainIsVirtual"), r.toString());
    }

    @Test
    void gevent4jOptionsReachBothLaunches() throws Exception {
        ChildJvm.Result patched = launch(launcherEnv().env("GEVENT4J_OPTIONS", "nodns,threads"), "run",
                PatchReport.class.getName()).ok();
        ChildJvm.Result agent = launch(launcherEnv().env("GEVENT4J_OPTIONS", "nodns,threads")
                .env("GEVENT4J_LAUNCH", "agent"), "run", PatchReport.class.getName()).ok();

        assertEquals("sleep,socket,hubpoller,selector,file,process,threadscope,threads,main", patched.value("patched"), patched.toString());
        assertEquals(patched.value("patched"), agent.value("patched"), agent.toString());
    }

    @Test
    void aLaunchModeThatDoesNotExistIsRefused() throws Exception {
        ChildJvm.Result r = launch(launcherEnv().env("GEVENT4J_LAUNCH", "fast"), "run", PatchReport.class.getName());

        assertEquals(2, r.exitCode(), r.toString());
        assertTrue(r.err().contains("GEVENT4J_LAUNCH='fast' is neither 'patched' nor 'agent'"), r.toString());
    }

    /**
     * The woven classes live in XDG_CACHE_HOME/gevent4j/&lt;JDK build&gt;-&lt;agent jar hash&gt;/&lt;options hash&gt;:
     * woven on first use, used as they are afterwards, woven anew once a file of them is damaged.
     */
    @Test
    void thePatchedLaunchWeavesOncePerJdkBuildIntoTheUsersCacheAndAgainWhenDamaged() throws Exception {
        ChildJvm.Result first = launch(launcherEnv(), "run", PatchReport.class.getName()).ok();
        ChildJvm.Result second = launch(launcherEnv(), "run", PatchReport.class.getName()).ok();
        Path cache = onlyCacheDir();
        Files.write(cache.resolve("modules/java.base/java/lang/Thread.class"), new byte[] {0});
        ChildJvm.Result damaged = launch(launcherEnv(), "run", PatchReport.class.getName()).ok();

        assertTrue(first.err().contains("gevent4j: weaving the patches into the classes of JDK "
                + System.getProperty("java.runtime.version")), first.toString());
        assertEquals("true", first.value("mainIsVirtual"), first.toString());
        assertTrue(cache.getParent().getFileName().toString().startsWith(System.getProperty("java.runtime.version") + "-"),
                cache.toString());
        assertFalse(second.err().contains("weaving"), "an intact cache was woven again\n" + second);
        assertEquals("true", second.value("mainIsVirtual"), second.toString());
        assertTrue(damaged.err().contains("weaving"), "a damaged cache was not woven again\n" + damaged);
        assertEquals("true", damaged.value("mainIsVirtual"), damaged.toString());
        assertEquals(cache, onlyCacheDir());
    }

    /**
     * Another JDK build (as its release file names it) gets a cache of its own; and {@code run} needs
     * only a {@code java}: this JAVA_HOME has no javac.
     */
    @Test
    void anotherJdkBuildGetsItsOwnCacheAndRunNeedsNoJavac() throws Exception {
        launch(launcherEnv(), "run", PatchReport.class.getName()).ok();
        Path runtime = tmp.resolve("jre-without-javac");
        Files.createDirectories(runtime.resolve("bin"));
        Files.createSymbolicLink(runtime.resolve("bin/java"), ChildJvm.java());
        Files.writeString(runtime.resolve("release"), "JAVA_RUNTIME_VERSION=\"25.0.0+1-another-build\"\n");

        ChildJvm.Result r = launch(launcherEnv().env("JAVA_HOME", runtime.toString()), "run",
                PatchReport.class.getName()).ok();

        assertEquals("true", r.value("mainIsVirtual"), r.toString());
        try (Stream<Path> builds = Files.list(cacheRoot())) {
            List<String> names = builds.map(p -> p.getFileName().toString()).sorted().toList();
            assertEquals(2, names.size(), names.toString());
            assertTrue(names.stream().anyMatch(n -> n.startsWith("25.0.0+1-another-build-")), names.toString());
        }
    }

    /**
     * A jar older than its sources is rebuilt before it runs, through the launcher's one Maven function
     * (here a stand-in {@code mvn} on PATH that records its arguments, so the test builds nothing).
     */
    @Test
    void aJarOlderThanItsSourcesIsRebuiltFirstAndAFreshOneIsNot() throws Exception {
        Path root = copyOfTheLauncher("0.1.0-SNAPSHOT");
        Path source = root.resolve("hub/src/main/java/Changed.java");
        Files.createDirectories(source.getParent());
        Files.writeString(source, "class Changed {}\n");
        Path agentJar = root.resolve("patch-agent/target/gevent4j-agent.jar");

        ChildJvm.Result stale = launchAt(root, "run", PatchReport.class.getName());
        // the file and its directories (a directory's time changes when a file is added or removed)
        FileTime older = FileTime.fromMillis(Files.getLastModifiedTime(agentJar).toMillis() - 60_000);
        try (Stream<Path> tree = Files.walk(root.resolve("hub"))) {
            for (Path p : tree.toList()) {
                Files.setLastModifiedTime(p, older);
            }
        }
        ChildJvm.Result fresh = launchAt(root, "run", PatchReport.class.getName());

        assertTrue(stale.err().contains("gevent4j: building patch-agent (missing, or older than its sources)"), stale.toString());
        assertTrue(stale.err().contains("stand-in mvn: -B -q -DskipTests install -pl patch-agent -am"), stale.toString());
        assertFalse(fresh.err().contains("stand-in mvn"), fresh.toString());
        assertEquals("true", fresh.ok().value("mainIsVirtual"), fresh.toString());
    }

    /** The version in the jar names comes from the root pom: with another version there, no jar is built yet. */
    @Test
    void theVersionComesFromTheRootPom() throws Exception {
        Path root = copyOfTheLauncher("9.9.9-TEST");
        Path examples = root.resolve("examples/target");
        Files.createDirectories(examples);
        Files.createFile(examples.resolve("gevent4j-examples-0.1.0-SNAPSHOT.jar"));

        ChildJvm.Result r = launchAt(root, "demo");

        assertTrue(r.err().contains("gevent4j: building examples (missing, or older than its sources)"), r.toString());
        assertTrue(r.err().contains("stand-in mvn: -B -q -DskipTests install -pl examples -am"), r.toString());
    }

    private ChildJvm.Result launch(ChildJvm env, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(launcher().toString());
        command.addAll(List.of(args));
        ChildJvm.Running run = env.start(command);
        run.stdin().close();
        return run.finish();
    }

    private Path cacheRoot() {
        return tmp.resolve("xdg-cache/gevent4j");
    }

    /** The one options directory under the one JDK-build directory of the test's cache. */
    private Path onlyCacheDir() throws IOException {
        try (Stream<Path> builds = Files.list(cacheRoot())) {
            List<Path> all = builds.toList();
            assertEquals(1, all.size(), all.toString());
            try (Stream<Path> options = Files.list(all.getFirst())) {
                List<Path> dirs = options.filter(Files::isDirectory).toList();
                assertEquals(1, dirs.size(), dirs.toString());
                return dirs.getFirst();
            }
        }
    }

    /**
     * A repository root of its own: the launcher, a root pom with the given version, the built agent
     * jar, and a stand-in {@code mvn} that prints its arguments and fails.
     */
    private Path copyOfTheLauncher(String version) throws IOException {
        Path root = tmp.resolve("root");
        Files.createDirectories(root.resolve("patch-agent/target"));
        Files.copy(launcher(), root.resolve("gevent4j"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.writeString(root.resolve("pom.xml"), "<project>\n  <groupId>io.gevent4j</groupId>\n"
                + "  <artifactId>gevent4j-parent</artifactId>\n  <version>" + version + "</version>\n</project>\n");
        Path jar = root.resolve("patch-agent/target/gevent4j-agent.jar");
        Files.copy(ChildJvm.agentJar(), jar);
        Files.setLastModifiedTime(root.resolve("pom.xml"), FileTime.fromMillis(System.currentTimeMillis() - 120_000));
        Files.setLastModifiedTime(jar, FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        Path bin = Files.createDirectories(tmp.resolve("stand-in-bin"));
        Path mvn = bin.resolve("mvn");
        Files.writeString(mvn, "#!/bin/sh\necho \"stand-in mvn: $*\" >&2\nexit 1\n");
        mvn.toFile().setExecutable(true);
        return root;
    }

    private ChildJvm.Result launchAt(Path root, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(root.resolve("gevent4j").toString());
        command.addAll(List.of(args));
        ChildJvm.Running run = launcherEnv().env("PATH", tmp.resolve("stand-in-bin") + ":" + System.getenv("PATH"))
                .start(command);
        run.stdin().close();
        return run.finish();
    }

    /** A jar with one class and a manifest naming it as Main-Class (its gevent4j imports come from the agent jar). */
    private static void writeJar(Path jar, Class<?> main) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, main.getName());
        String entry = main.getName().replace('.', '/') + ".class";
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest)) {
            out.putNextEntry(new JarEntry(entry));
            out.write(Files.readAllBytes(ChildJvm.testClasses().resolve(entry)));
            out.closeEntry();
        }
    }
}
