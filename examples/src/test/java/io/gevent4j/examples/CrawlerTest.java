package io.gevent4j.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class CrawlerTest {
    @TempDir
    Path tmp;

    private static RunResult run(String... args) {
        return RunResult.run(Crawler::execute, args);
    }

    private static TestServer site() throws Exception {
        TestServer server = TestServer.http();
        StringBuilder list = new StringBuilder("<html><head><title>Products</title></head><body><ul>");
        for (int i = 0; i < 12; i++) {
            String body = "x".repeat(100 * (i + 1));
            server.page("/product/" + i, "<html><head><title>Product \"" + i + "\"</title></head><body><p>" + body
                    + "</p></body></html>").delay("/product/" + i, 20);
            list.append("<li><a href='/product/").append(i).append("'>product ").append(i).append("</a>")
                    .append("<a href='/product/").append(i).append("#reviews'>reviews</a></li>");
        }
        list.append("<a href='https://elsewhere.example.com/product/99'>other host</a>")
                .append("<a href='/static/logo.png'>logo</a><a href='#top'>top</a><a href='mailto:a@b.c'>mail</a>")
                .append("<a href='/about'>about</a></ul></body></html>");
        server.page("/list", list.toString());
        server.page("/about", "<html><body><h1>About us</h1>hello</body></html>");
        return server;
    }

    @Test
    void writesOneJsonLinePerDetailPage() throws Exception {
        try (TestServer server = site()) {
            RunResult r = run("--progress", "lines", server.url("/list"));

            assertEquals(0, r.code(), r.all());
            List<String> lines = r.out().lines().toList();
            assertEquals(13, lines.size(), r.out());
            Set<String> expected = new java.util.HashSet<>();
            for (int i = 0; i < 12; i++) {
                expected.add("{\"url\":\"" + server.url("/product/" + i) + "\",\"status\":200,\"title\":\"Product \\\""
                        + i + "\\\"\",\"text_length\":" + 100 * (i + 1) + "}");
            }
            expected.add("{\"url\":\"" + server.url("/about") + "\",\"status\":200,\"title\":\"About us\",\"text_length\":14}");
            assertEquals(expected, Set.copyOf(lines));
            assertEquals(1, server.hits("/product/3"), "a link with a #fragment is the same page");
            assertTrue(r.err().contains("13 pages, 13 ok, 0 failed"), r.err());
        }
    }

    @Test
    void maxPagesMatchAndOutputFile() throws Exception {
        try (TestServer server = site()) {
            Path out = tmp.resolve("pages.jsonl");
            RunResult r = run("--max-pages", "5", "--match", "/product/", "--concurrency", "2", "--output", out.toString(),
                    "--progress", "none", server.url("/list"));

            assertEquals(0, r.code(), r.all());
            assertEquals("", r.out());
            List<String> lines = Files.readAllLines(out);
            assertEquals(5, lines.size());
            Set<String> urls = lines.stream().map(l -> l.substring(8, l.indexOf("\",\""))).collect(Collectors.toSet());
            assertEquals(Set.of(server.url("/product/0"), server.url("/product/1"), server.url("/product/2"),
                    server.url("/product/3"), server.url("/product/4")), urls);
        }
    }

    @Test
    void failedPagesAreReportedInTheJsonAndTheExitCode() throws Exception {
        try (TestServer server = site()) {
            server.fail("/product/1", new TestServer.Status(404, -1));
            server.fail("/product/2", new TestServer.Status(503, 0));
            RunResult r = run("--match", "/product/[0-3]$", "--retries", "1", "--retry-delay", "0", "--progress", "none",
                    server.url("/list"));

            assertEquals(1, r.code(), r.all());
            assertTrue(r.out().contains("{\"url\":\"" + server.url("/product/1") + "\",\"error\":\"HTTP 404 Not Found\"}"), r.out());
            assertTrue(r.out().contains("\"url\":\"" + server.url("/product/2") + "\",\"status\":200"), "retried: " + r.out());
            assertTrue(r.err().contains("4 pages, 3 ok, 1 failed"), r.err());

            assertEquals(1, run("--progress", "none", server.url("/nothing-here")).code());
            assertEquals(2, run("--match", "([", server.url("/list")).code());
            assertEquals(2, run("--max-pages", "0", server.url("/list")).code());
            assertEquals(2, run("file:///etc/passwd").code());
        }
    }
}
