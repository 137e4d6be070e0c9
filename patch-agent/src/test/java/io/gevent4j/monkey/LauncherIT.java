package io.gevent4j.monkey;

import io.gevent4j.monkey.programs.ExitBehaviour;
import io.gevent4j.monkey.programs.PatchReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ./gevent4j run <main-class|app.jar> [args]}: the repository's launcher runs a program under the agent. */
@Timeout(120)
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
    private static ChildJvm launcherEnv() {
        return ChildJvm.noAgent().env("JAVA_HOME", System.getProperty("java.home"))
                .env("CLASSPATH", ChildJvm.testClasses().toString())
                .env("JDK_JAVA_OPTIONS", "-XX:TieredStopAtLevel=1");
    }

    @Test
    void runAMainClassFromTheClasspathPassingArgumentsAndExitCode() throws Exception {
        ChildJvm.Running run = launcherEnv().start(List.of(launcher().toString(), "run", ExitBehaviour.class.getName(), "exit"));
        run.stdin().close();
        ChildJvm.Result r = run.finish();

        assertEquals(3, r.exitCode(), r.toString());
        assertEquals(List.of("main-started"), r.stdout(), r.toString());
    }

    @Test
    void runAnExecutableJarUnderTheAgent() throws Exception {
        Path jar = tmp.resolve("app.jar");
        writeJar(jar, PatchReport.class);
        ChildJvm.Running run = launcherEnv().start(List.of(launcher().toString(), "run", jar.toString()));
        run.stdin().close();
        ChildJvm.Result r = run.finish().ok();

        assertEquals("sleep,socket,hubpoller,file,process,dns,main", r.value("patched"), r.toString());
        assertEquals("true", r.value("mainIsVirtual"), r.toString());
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
