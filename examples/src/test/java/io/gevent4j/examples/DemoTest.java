package io.gevent4j.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(120)
class DemoTest {
    @TempDir
    Path tmp;

    @Test
    void theDemoRunsEndToEnd() throws Exception {
        RunResult r = RunResult.run(Demo::execute, "--out", tmp.toString(), "--delay-ms", "20", "--progress", "lines");

        assertEquals(0, r.code(), r.all());
        assertTrue(r.out().contains("Speed-up: "), r.out());
        assertTrue(r.out().contains("files of both runs are identical"), r.out());
        assertTrue(r.out().contains("./gevent4j download-images"), r.out());
        try (Stream<Path> images = Files.list(tmp.resolve("images"))) {
            assertEquals(40, images.filter(p -> p.toString().endsWith(".png")).count());
        }
        byte[] png = Files.readAllBytes(tmp.resolve("images/photo-01.png"));
        assertEquals((byte) 0x89, png[0]);
        assertEquals('P', png[1]);
        assertTrue(javax.imageio.ImageIO.read(tmp.resolve("images/photo-40.png").toFile()).getWidth() == 240);
        assertEquals(20L * 160 * 188, Files.size(tmp.resolve("videos/demo.ts")));
        assertFalse(Files.exists(tmp.resolve("one-after-another")), "the second copy is removed");
    }
}
