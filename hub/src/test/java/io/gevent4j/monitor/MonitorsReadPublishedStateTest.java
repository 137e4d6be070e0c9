package io.gevent4j.monitor;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The blocking detector runs on its own thread: it must read only what a hub publishes for other
 * threads (through {@code HubInspector}), never the carrier's queues and live list or a strand's plain
 * fields. Checked on its bytecode: it must not refer to the carrier or strand types at all.
 */
class MonitorsReadPublishedStateTest {
    private static String constantPoolOf(Class<?> type) throws IOException {
        String resource = "/" + type.getName().replace('.', '/') + ".class";
        try (InputStream in = type.getResourceAsStream(resource)) {
            assertNotNull(in, resource);
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void theBlockingDetectorNeverTouchesTheCarrierOrItsStrands() throws IOException {
        for (Class<?> c : new Class<?>[] {BlockingDetector.class, BlockingDetector.Report.class, RunInfoDump.class}) {
            String pool = constantPoolOf(c);
            assertFalse(pool.contains("io/gevent4j/core/Carrier"), c + " refers to the carrier");
            assertFalse(pool.contains("io/gevent4j/core/Strand"), c + " refers to strands");
        }
    }
}
