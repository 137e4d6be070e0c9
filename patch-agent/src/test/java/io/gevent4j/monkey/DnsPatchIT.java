package io.gevent4j.monkey;

import io.gevent4j.monkey.programs.DnsLookup;
import io.gevent4j.monkey.programs.SlowResolverProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.spi.InetAddressResolverProvider;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code dns} patch: {@code InetAddress} look-ups in greenlets run on the hub's thread pool. A
 * resolver that holds its thread for 400 ms (installed in the child only) shows the difference.
 */
@Timeout(120)
class DnsPatchIT {
    @TempDir
    Path services;

    @Test
    void lookUpsWorkAndASlowOneDoesNotStopOtherGreenlets() throws Exception {
        ChildJvm.Result with = ChildJvm.agent().classpath(slowResolver()).run(DnsLookup.class).ok();
        ChildJvm.Result without = ChildJvm.agent("nodns").classpath(slowResolver()).run(DnsLookup.class).ok();

        for (ChildJvm.Result r : new ChildJvm.Result[] {with, without}) {
            assertEquals("true", r.value("localhost"), r.toString());
            assertTrue(r.number("all") >= 1, r.toString());
            assertEquals("true", r.value("reverse"), r.toString());
            assertEquals("127.0.0.1", r.value("slow"), r.toString());
        }
        assertEquals("false", with.value("resolvedInGreenlet"), with.toString());
        assertTrue(with.number("ticksWhileResolving") >= 10, with.toString());
        assertEquals("true", without.value("resolvedInGreenlet"), without.toString());
        assertEquals(0, without.number("ticksWhileResolving"), "with nodns the slow look-up holds the hub's thread\n"
                + without);
    }

    /** A class path entry that installs {@link SlowResolverProvider} as the JDK's name service. */
    private Path slowResolver() throws IOException {
        Path file = services.resolve("META-INF/services/" + InetAddressResolverProvider.class.getName());
        Files.createDirectories(file.getParent());
        Files.writeString(file, SlowResolverProvider.class.getName() + "\n");
        return services;
    }
}
