package io.gevent4j.monitor;

import io.gevent4j.testsupport.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Dumping a running process from outside: {@code kill -USR2} with {@code -Dgevent4j.dumpOnSignal=USR2},
 * and the JDK's own {@code jcmd Thread.print} and {@code Thread.dump_to_file}, in a child JVM.
 */
@Timeout(90)
class RunInfoDumpTest {
    @Test
    void aSignalDumpsEveryGreenletAndJcmdSeesThemToo() throws Exception {
        List<String> command = ChildJvm.command(List.of("-Dgevent4j.dumpOnSignal=USR2"), RunInfoDumpMain.class);
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String first = out.readLine();
            assertTrue(first != null && first.startsWith("ready pid="), "child said: " + first);
            long pid = child.pid();

            assertEquals(0, run(List.of("kill", "-USR2", Long.toString(pid))).exit);
            StringBuilder dump = new StringBuilder();
            String line;
            while ((line = out.readLine()) != null && !line.equals("gevent4j run info end")) {
                dump.append(line).append('\n');
            }
            String text = dump.toString();
            assertTrue(text.contains("gevent4j run info (signal USR2)"), text);
            assertTrue(text.contains("Hub of thread \"main\""), text);
            assertTrue(text.contains("dump-sleeper"), text);
            assertTrue(text.contains("dump-waiter waits on Event"), text);
            assertTrue(text.contains("RunInfoDumpMain.lambda$main"), "greenlet stacks are printed: " + text);

            Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
            Run print = run(List.of(jcmd.toString(), Long.toString(pid), "Thread.print"));
            assertEquals(0, print.exit, print.output);
            assertTrue(print.output.contains("\"main\""), print.output);

            Path file = Files.createTempDirectory("dump").resolve("threads.json");
            Run toFile = run(List.of(jcmd.toString(), Long.toString(pid), "Thread.dump_to_file", "-format=json", file.toString()));
            assertEquals(0, toFile.exit, toFile.output);
            String json = Files.readString(file);
            assertTrue(json.contains("dump-sleeper") && json.contains("dump-waiter"), "parked greenlets appear as virtual threads: " + json);
            Files.delete(file);
            Files.delete(file.getParent());

            try (OutputStream in = child.getOutputStream()) {
                in.write("stop\n".getBytes(StandardCharsets.UTF_8));
            }
            assertEquals("stopped", out.readLine());
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    void aSignalTheJvmOwnsIsRefusedClearly() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RunInfoDump.installOnSignal("QUIT"));
        assertTrue(e.getMessage().contains("USR2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RunInfoDump.installOnSignal("NOSUCHSIGNAL"));
    }

    private record Run(int exit, String output) {
    }

    private static Run run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), command + " did not finish");
        return new Run(p.exitValue(), output);
    }
}
