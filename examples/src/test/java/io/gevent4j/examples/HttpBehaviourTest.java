package io.gevent4j.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static io.gevent4j.examples.RunResult.bytes;
import static io.gevent4j.examples.RunResult.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shared HTTP client through a tool: Retry-After, timeouts, redirects. */
@Timeout(60)
class HttpBehaviourTest {
    @TempDir
    Path tmp;

    private RunResult images(String... urls) {
        String[] args = new String[urls.length + 4];
        args[0] = "--out";
        args[1] = tmp.resolve("out").toString();
        args[2] = "--progress";
        args[3] = "lines";
        System.arraycopy(urls, 0, args, 4, urls.length);
        return RunResult.run(ImageDownloader::execute, args);
    }

    @Test
    void retryAfterIsHonoured() throws Exception {
        try (TestServer server = TestServer.http()) {
            server.add("/a.png", bytes(1, 1000), "image/png").fail("/a.png", new TestServer.Status(429, 1));
            long start = System.nanoTime();
            RunResult r = images(server.url("/a.png"));
            long millis = (System.nanoTime() - start) / 1_000_000;

            assertEquals(0, r.code(), r.all());
            assertTrue(millis >= 950, "waited only " + millis + " ms although the server said Retry-After: 1");
            assertTrue(r.err().contains("retry 1/3 in 1.0 s: " + server.url("/a.png") + ": HTTP 429"), r.err());
        }
    }

    @Test
    void aRetryAfterBeyondTheLimitFailsAtOnce() throws Exception {
        try (TestServer server = TestServer.http()) {
            server.add("/a.png", bytes(1, 1000), "image/png").fail("/a.png", new TestServer.Status(503, 3600));
            RunResult r = images(server.url("/a.png"));

            assertEquals(1, r.code(), r.all());
            assertTrue(r.out().contains("asked to retry after 3600 s, more than the 120 s"), r.out());
            assertEquals(1, server.hits("/a.png"));
        }
    }

    @Test
    void aSilentServerTimesOut() throws Exception {
        try (TestServer server = TestServer.http()) {
            server.add("/slow.png", bytes(1, 1000), "image/png").delay("/slow.png", 3000);
            RunResult r = RunResult.run(ImageDownloader::execute, "--out", tmp.resolve("out").toString(), "--timeout", "0.3",
                    "--retries", "0", server.url("/slow.png"));

            assertEquals(1, r.code(), r.all());
            assertTrue(r.out().contains("no answer from 127.0.0.1:") && r.out().contains("within the timeout"), r.out());
        }
    }

    @Test
    void redirectsAreFollowedAndLoopsStopped() throws Exception {
        try (TestServer server = TestServer.http()) {
            server.add("/real/cat.png", bytes(3, 5000), "image/png")
                    .redirect("/short", "/hop")
                    .redirect("/hop", server.url("/real/cat.png"))
                    .redirect("/loop", "/loop");
            RunResult r = images(server.url("/short"), server.url("/loop"));

            assertEquals(1, r.code(), r.all());
            assertEquals(sha256(bytes(3, 5000)), sha256(tmp.resolve("out/short.png")));
            assertTrue(r.out().contains("more than 10 redirects"), r.out());
        }
    }
}
