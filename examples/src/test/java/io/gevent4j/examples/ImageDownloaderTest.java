package io.gevent4j.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

@Timeout(60)
class ImageDownloaderTest {
    @TempDir
    Path tmp;

    static byte[] bytes(int seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ImageDownloader.execute(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), args);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void downloadsEveryImageOfAPageByteIdentical() throws Exception {
        try (TestServer server = TestServer.http()) {
            StringBuilder html = new StringBuilder("<html><body>");
            for (int i = 0; i < 10; i++) {
                server.add("/img/p" + i + ".png", bytes(i, 5000 + i * 100), "image/png");
                html.append("<img src='img/p").append(i).append(".png'>");
            }
            server.page("/gallery.html", html.append("</body></html>").toString());
            Path out = tmp.resolve("out");
            Run r = run("--out", out.toString(), "--progress", "lines", server.url("/gallery.html"));
            System.out.println(r.out + r.err);
            assertEquals(0, r.code, r.err);
            for (int i = 0; i < 10; i++) {
                assertEquals(sha(bytes(i, 5000 + i * 100)), sha(Files.readAllBytes(out.resolve("p" + i + ".png"))));
            }
        }
    }
}
