package io.gevent4j.monkey;

import io.gevent4j.Hub;
import io.gevent4j.core.Strand;
import io.gevent4j.monkey.programs.LazyClassLoading;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent with class <em>directories</em> on the class path, as when a program runs from an IDE or
 * {@code mvn exec}: every class file is then read with {@code FileInputStream.read}, a method the file
 * patch offloads. Class loading must read inline: offloading it recursed (the offload path loads the
 * hub's {@code ThreadPool} from the same directories) and start-up failed in the self-test; and a
 * class loader's read must not wait for the thread pool, which may need classes from that loader.
 */
@Timeout(120)
class ClassDirectoryIT {
    @TempDir
    Path tmp;

    @Test
    void greenletsLoadClassesFromDirectoriesWhileReadingFiles() throws Exception {
        Path data = Files.createDirectory(tmp.resolve("data"));
        // the hub and greenlet-core as directories ahead of the agent jar (which holds copies of them);
        // the program itself is in the test-classes directory
        ChildJvm.Result r = ChildJvm.agent()
                .classpathFirst(asDirectory(Strand.class, tmp.resolve("greenlet-core")))
                .classpathFirst(asDirectory(Hub.class, tmp.resolve("hub")))
                .run(LazyClassLoading.class, data.toString());

        assertEquals(0, r.exitCode(), r.toString());
        assertFalse(r.err().contains("gevent4j"), r.toString());
        assertEquals(8, r.number("loaded"), r.toString());
        // the pipe read was still offloaded: the loaders ran while it waited
        assertEquals("go", r.value("pipeLine"), r.toString());
        assertEquals(0, r.number("shellExit"), r.toString());
        // a class loader's slow read (300 ms) ran inline: the ticker (10 ms) stalled meanwhile
        assertEquals(LazyClassLoading.class.getName() + "$C by PipeLoader", r.value("pipeLoaded"), r.toString());
        assertTrue(r.number("ticksDuringClassRead") <= 2, r.toString());
    }

    /**
     * The class directory a class was loaded from; if it came from a jar (the reactor after
     * {@code package}), the jar unpacked into {@code target}.
     */
    private static Path asDirectory(Class<?> type, Path target) throws IOException, URISyntaxException {
        Path source = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (Files.isDirectory(source)) {
            return source;
        }
        try (JarFile jar = new JarFile(source.toFile())) {
            Enumeration<JarEntry> entries = jar.entries();
            while (entries.hasMoreElements()) {
                JarEntry entry = entries.nextElement();
                Path out = target.resolve(entry.getName()).normalize();
                assertTrue(out.startsWith(target), entry.getName());
                if (entry.isDirectory()) {
                    Files.createDirectories(out);
                } else {
                    Files.createDirectories(out.getParent());
                    try (InputStream in = jar.getInputStream(entry)) {
                        Files.copy(in, out);
                    }
                }
            }
        }
        return target;
    }
}
