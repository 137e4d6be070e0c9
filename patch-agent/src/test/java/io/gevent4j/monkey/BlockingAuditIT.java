package io.gevent4j.monkey;

import io.gevent4j.monkey.programs.BlockingAudit;
import io.gevent4j.monkey.programs.SlowResolverProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.net.spi.InetAddressResolverProvider;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 18's audit: every JDK blocking call of {@link BlockingAudit}'s table, run in a greenlet beside a
 * 10 ms ticker under the agent with the blocking detector at 20 ms, must leave the detector silent and
 * the ticker ticking. The calls that cannot be made cooperative are listed in
 * docs/how-the-agent-works.md and are not in the table.
 */
@Timeout(180)
class BlockingAuditIT {
    @TempDir
    Path tmp;

    @Test
    void noJdkBlockingCallOfTheTableBlocksTheHub() throws Exception {
        Path services = Files.createDirectories(tmp.resolve("services"));
        Path file = services.resolve("META-INF/services/" + InetAddressResolverProvider.class.getName());
        Files.createDirectories(file.getParent());
        Files.writeString(file, SlowResolverProvider.class.getName() + "\n");
        Path work = Files.createDirectories(tmp.resolve("work"));

        ChildJvm.Running child = ChildJvm.agent("maxblockingtime=20ms").classpath(services)
                .limit(Duration.ofSeconds(150)).start(BlockingAudit.class, work.toString());
        child.awaitLine("audit-stdin-waiting"::equals, Duration.ofSeconds(120));
        try (OutputStream stdin = child.stdin()) {
            for (int i = 0; i < BlockingAudit.ATTEMPTS_FOR_TEST; i++) {
                stdin.write("audit line\n".getBytes(StandardCharsets.UTF_8));
            }
        }
        ChildJvm.Result r = child.finish().ok();

        List<String> failures = new ArrayList<>();
        for (String name : BlockingAudit.caseNames()) {
            String outcome = r.value("result." + name);
            if (!"ok".equals(outcome)) {
                failures.add(name + ": " + outcome + " " + r.value("detail." + name));
            }
        }
        assertTrue(failures.isEmpty(), "calls that blocked the hub:\n  " + String.join("\n  ", failures) + "\n" + r);
        assertEquals(0, r.number("failed"), r.toString());
    }

    /** The audit can fail: without the file patch a FIFO open and a FIFO read hold the hub's thread. */
    @Test
    void withoutTheFilePatchTheFifoCallsAreReported() throws Exception {
        ChildJvm.Result r = ChildJvm.agent("nofile,maxblockingtime=20ms")
                .run(BlockingAudit.class, Files.createDirectories(tmp.resolve("nofile")).toString(),
                        "file.open-fifo", "file.read-fifo").ok();

        for (String name : List.of("file.open-fifo", "file.read-fifo")) {
            assertTrue(r.value("result." + name).startsWith("FAIL the blocking detector reported"), name + "\n" + r);
        }
        assertEquals(2, r.number("failed"), r.toString());
    }
}
