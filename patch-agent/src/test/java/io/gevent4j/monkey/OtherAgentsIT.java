package io.gevent4j.monkey;

import io.gevent4j.monkey.programs.OtherAgents;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Other agents beside gevent4j's (BlockHound users hit exactly these: its issues #152 and #411):
 * Mockito's inline mock maker, which attaches Byte Buddy's agent and retransforms the classes it mocks
 * (a JDK class the file patch has woven among them), and JaCoCo's agent collecting coverage of a
 * greenlet program; either order on the command line. Each time the other agent must do its job and
 * gevent4j's patches must still take afterwards.
 */
@Timeout(120)
class OtherAgentsIT {
    @TempDir
    Path tmp;

    /** Mockito self-attaches at run time (no -javaagent of its own), after gevent4j's agent. */
    @Test
    void mockitoSelfAttachingInsideGreenletsMocksAndThePatchesStillTake() throws Exception {
        ChildJvm jvm = withMockitoOnTheClassPath(ChildJvm.agent());
        checkMockito(jvm.run(OtherAgents.class, "mockito").ok());
    }

    /** Mockito's documented set-up for JDK 21+: mockito-core as a -javaagent, before or after gevent4j's. */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void mockitoAsAJavaagentInEitherOrder(boolean mockitoFirst) throws Exception {
        ChildJvm jvm = withMockitoOnTheClassPath(ChildJvm.agent())
                .otherAgent("-javaagent:" + jarOnTestClassPath("mockito-core-"), mockitoFirst);
        ChildJvm.Result r = jvm.run(OtherAgents.class, "mockito").ok();
        checkMockito(r);
        assertTrue(r.stderr().stream().noneMatch(l -> l.contains("loaded dynamically")),
                "with -javaagent Mockito needs no dynamic attach\n" + r);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void jacocoCollectsCoverageOfAGreenletProgramInEitherOrder(boolean jacocoFirst) throws Exception {
        Path exec = tmp.resolve("jacoco-" + jacocoFirst + ".exec");
        ChildJvm jvm = ChildJvm.agent().otherAgent("-javaagent:" + jarOnTestClassPath("org.jacoco.agent-")
                + "=destfile=" + exec + ",includes=io.gevent4j.monkey.programs.*", jacocoFirst);
        ChildJvm.Result r = jvm.run(OtherAgents.class, "plain").ok();

        checkPatches(r);
        assertTrue(Files.size(exec) > 0, "JaCoCo wrote no execution data\n" + r);
        // JaCoCo's execution data names each class it saw run (DataOutput.writeUTF)
        String data = new String(Files.readAllBytes(exec), StandardCharsets.ISO_8859_1);
        assertTrue(data.contains("io/gevent4j/monkey/programs/OtherAgents"),
                "the greenlet program's classes are missing from JaCoCo's data\n" + r);
    }

    private static void checkMockito(ChildJvm.Result r) {
        assertEquals("mocked", r.value("finalClass"), r.toString());
        assertEquals("42", r.value("staticMethod"), r.toString());
        assertEquals("v", r.value("interface"), r.toString());
        assertEquals("7", r.value("jdkClass"), r.toString());
        assertEquals("true", r.value("staticAfterClose"), r.toString());
        checkPatches(r);
    }

    /** The patches took: 100 sleeps of 300 ms at once, a pipe read beside a ticking greenlet. */
    private static void checkPatches(ChildJvm.Result r) {
        assertTrue(r.number("sleepersMs") < 3000, "100 greenlets × Thread.sleep(300) ran one after another\n" + r);
        assertEquals("x", r.value("pipeLine"), r.toString());
        assertTrue(r.number("pipeTicks") >= 10, "the pipe read held the hub\n" + r);
        assertTrue(r.value("patched").contains("file") && r.value("patched").contains("sleep"), r.toString());
        assertTrue(r.out().contains("done"), r.toString());
    }

    private static ChildJvm withMockitoOnTheClassPath(ChildJvm jvm) {
        for (String jar : List.of("mockito-core-", "byte-buddy-1", "byte-buddy-agent-", "objenesis-")) {
            jvm.classpath(Path.of(jarOnTestClassPath(jar)));
        }
        return jvm;
    }

    /** The jar of this test's class path whose file name starts with {@code prefix} (Maven's copy). */
    private static String jarOnTestClassPath(String prefix) {
        List<String> found = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = Path.of(entry).getFileName().toString();
            if (name.startsWith(prefix) && name.endsWith(".jar")) {
                found.add(entry);
            }
        }
        assertEquals(1, found.size(), "expected one " + prefix + "*.jar on the test class path: " + found);
        return found.get(0);
    }
}
