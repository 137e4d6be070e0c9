package io.gevent4j.monkey;

import io.gevent4j.monkey.programs.FileIo;
import io.gevent4j.monkey.programs.PipeReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code file} patch: pipes, System.in and files read in greenlets, on the hub's thread pool. */
@Timeout(120)
class FilePatchIT {
    @TempDir
    Path tmp;

    @Test
    void aGreenletReadingAProcessPipeDoesNotStopAnotherFromTicking() throws Exception {
        ChildJvm.Result with = ChildJvm.agent().run(PipeReader.class, "process").ok();
        ChildJvm.Result without = ChildJvm.noAgent().run(PipeReader.class, "process").ok();

        assertEquals("x", with.value("line"), with.toString());
        assertEquals(0, with.number("processExit"), with.toString());
        // the command waits 1 s: ~100 ticks of 10 ms
        assertTrue(with.number("ticksWhileReading") >= 30, with.toString());
        assertEquals("x", without.value("line"), without.toString());
        // without the agent the pipe read holds the hub's thread for the whole second
        assertTrue(without.number("ticksWhileReading") <= 2, "without the agent the ticker should stall\n" + without);
    }

    @Test
    void aGreenletReadingSystemInDoesNotStopAnotherFromTicking() throws Exception {
        ChildJvm.Running child = ChildJvm.agent().start(PipeReader.class, "stdin");
        // the child says so once it has ticked 30 times while its reader waits on stdin
        child.awaitLine("ticking-while-reading"::equals, Duration.ofSeconds(30));
        try (OutputStream stdin = child.stdin()) {
            stdin.write("hello from the test\n".getBytes(StandardCharsets.UTF_8));
        }
        ChildJvm.Result r = child.finish().ok();

        assertEquals("hello from the test", r.value("line"), r.toString());
        assertTrue(r.number("ticksWhileReading") >= 30, r.toString());
    }

    @Test
    void fileStreamsRandomAccessFilesAndChannelsReadAndWriteTheSameBytes() throws Exception {
        ChildJvm.Result r = ChildJvm.agent().run(FileIo.class, tmp.toString()).ok();

        assertEquals(20, r.number("correct"), r.toString());
        assertEquals("IOException:Stream Closed", r.value("closedRead"), r.toString());
    }
}
