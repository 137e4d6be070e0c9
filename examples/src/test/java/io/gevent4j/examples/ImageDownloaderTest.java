package io.gevent4j.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.gevent4j.examples.RunResult.bytes;
import static io.gevent4j.examples.RunResult.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class ImageDownloaderTest {
    @TempDir
    Path tmp;

    private static RunResult run(String... args) {
        return RunResult.run(ImageDownloader::execute, args);
    }

    private static Set<String> names(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }

    @Test
    @Timeout(60)
    void downloadsEveryImageOfAPageByteIdentical() throws Exception {
        try (TestServer server = TestServer.http()) {
            StringBuilder html = new StringBuilder("<html><body>");
            for (int i = 0; i < 20; i++) {
                server.add("/site/img/p" + i + ".png", bytes(i, 3000 + i * 100), "image/png").delay("/site/img/p" + i + ".png", 50);
                html.append("<img src='img/p").append(i).append(".png'>");
            }
            // srcset candidates, an absolute path, a duplicate, a data: URI, an extensionless URL typed by Content-Type
            server.add("/site/img/big.jpg", bytes(100, 9000), "image/jpeg");
            server.add("/site/img/small.jpg", bytes(101, 1000), "image/jpeg");
            server.add("/logo", bytes(102, 1500), "image/webp");
            html.append("<picture><source srcset='img/small.jpg 1x, img/big.jpg 2x'><img src='/site/img/p0.png'></picture>")
                    .append("<img src='data:image/png;base64,AAAA'><img src='../logo' alt='typed by Content-Type'>");
            server.page("/site/gallery.html", html.append("</body></html>").toString());
            Path out = tmp.resolve("out");

            RunResult r = run("--out", out.toString(), "--progress", "lines", server.url("/site/gallery.html"));

            assertEquals(0, r.code(), r.all());
            for (int i = 0; i < 20; i++) {
                assertEquals(sha256(bytes(i, 3000 + i * 100)), sha256(out.resolve("p" + i + ".png")));
            }
            assertEquals(sha256(bytes(100, 9000)), sha256(out.resolve("big.jpg")));
            assertEquals(sha256(bytes(101, 1000)), sha256(out.resolve("small.jpg")));
            assertEquals(sha256(bytes(102, 1500)), sha256(out.resolve("logo.webp")));
            assertEquals(23, names(out).size(), "no temporary files left: " + names(out));
            assertEquals(1, server.hits("/site/img/p0.png"), "duplicates are downloaded once");
            assertTrue(r.out().contains("23 downloaded"), r.out());
            assertTrue(server.maxInFlight() > 1, "the downloads ran one at a time: " + server.maxInFlight());
        }
    }

    /**
     * A second run into the same --out asks the server for no image it already has, also for images
     * whose extension came from the Content-Type (their URL has none): the page is the only request.
     */
    @Test
    @Timeout(60)
    void aSecondRunSendsNoRequestForTheImagesAlreadyComplete() throws Exception {
        try (TestServer server = TestServer.http()) {
            server.add("/site/a.png", bytes(1, 2000), "image/png")
                    .add("/logo", bytes(2, 1500), "image/webp")
                    .add("/photo.php", bytes(3, 1800), "image/jpeg")
                    .add("/raw", bytes(4, 900), "application/octet-stream");
            server.page("/site/page.html", "<html><body><img src='a.png'><img src='/logo'><img src='/photo.php'>"
                    + "<img src='/raw'></body></html>");
            Path out = tmp.resolve("out");

            RunResult first = run("--out", out.toString(), "--progress", "none", server.url("/site/page.html"));
            assertEquals(0, first.code(), first.all());
            assertEquals(Set.of("a.png", "logo.webp", "photo.jpg", "raw"), names(out));

            RunResult second = run("--out", out.toString(), "--progress", "none", server.url("/site/page.html"));

            assertEquals(0, second.code(), second.all());
            for (String path : List.of("/site/a.png", "/logo", "/photo.php", "/raw")) {
                assertEquals(1, server.hits(path), path + " was requested again by the second run\n" + second.all());
            }
            assertEquals(2, server.hits("/site/page.html"));
            assertTrue(second.out().contains("4 skipped"), second.out());
            assertEquals(Set.of("a.png", "logo.webp", "photo.jpg", "raw"), names(out));
            assertEquals(sha256(bytes(2, 1500)), sha256(out.resolve("logo.webp")));

            RunResult forced = run("--out", out.toString(), "--progress", "none", "--force", server.url("/site/page.html"));
            assertEquals(0, forced.code(), forced.all());
            assertEquals(2, server.hits("/logo"), "--force downloads again");
            assertEquals(Set.of("a.png", "logo.webp", "photo.jpg", "raw"), names(out));
        }
    }

    @Test
    @Timeout(60)
    void aPageWithoutImagesIsAFailure() throws Exception {
        try (TestServer server = TestServer.http()) {
            server.page("/empty.html", "<html><body><p>no pictures here</p><script>loadImages()</script></body></html>");
            RunResult r = run("--out", tmp.resolve("out").toString(), "--progress", "none", server.url("/empty.html"));

            assertEquals(1, r.code(), r.all());
            assertTrue(r.out().contains("no images on this page"), r.out());
        }
    }

    @Test
    @Timeout(60)
    void retriesRecoverFromServerErrorsAndDroppedConnections() throws Exception {
        try (TestServer server = TestServer.http()) {
            server.add("/a.png", bytes(1, 200_000), "image/png")
                    .add("/b.png", bytes(2, 200_000), "image/png")
                    .add("/c.png", bytes(3, 50_000), "image/png")
                    .fail("/a.png", new TestServer.Status(500, -1), new TestServer.Status(503, 0))
                    .fail("/b.png", new TestServer.Drop())
                    .fail("/c.png", new TestServer.Status(429, 0), new TestServer.Drop());
            Path out = tmp.resolve("out");

            RunResult r = run("--out", out.toString(), "--progress", "lines", "--retry-delay", "0.05",
                    server.url("/a.png"), server.url("/b.png"), server.url("/c.png"));

            assertEquals(0, r.code(), r.all());
            assertEquals(sha256(bytes(1, 200_000)), sha256(out.resolve("a.png")));
            assertEquals(sha256(bytes(2, 200_000)), sha256(out.resolve("b.png")));
            assertEquals(sha256(bytes(3, 50_000)), sha256(out.resolve("c.png")));
            assertEquals(3, server.hits("/a.png"));
            assertEquals(2, server.hits("/b.png"));
            assertEquals(3, server.hits("/c.png"));
            assertTrue(r.err().contains("retry 1/3"), r.err());
            assertEquals(Set.of("a.png", "b.png", "c.png"), names(out));
        }
    }

    @Test
    @Timeout(60)
    void givesUpAfterTheRetriesAndReportsWhy() throws Exception {
        try (TestServer server = TestServer.http()) {
            server.add("/ok.png", bytes(1, 100), "image/png")
                    .add("/flaky.png", bytes(2, 100), "image/png")
                    .fail("/flaky.png", new TestServer.Status(500, -1), new TestServer.Status(500, -1),
                            new TestServer.Status(500, -1))
                    .page("/error.png", "<html>an error page served as 200</html>");
            Path out = tmp.resolve("out");

            RunResult r = run("--out", out.toString(), "--progress", "none", "--retries", "2", "--retry-delay", "0",
                    server.url("/ok.png"), server.url("/flaky.png"), server.url("/missing.png"), server.url("/error.png"));

            assertEquals(1, r.code(), r.all());
            assertTrue(r.out().contains("1 downloaded"), r.out());
            assertTrue(r.out().contains("3 failed"), r.out());
            assertTrue(r.out().contains("HTTP 500") && r.out().contains("gave up after 3 attempts"), r.out());
            assertTrue(r.out().contains("HTTP 404"), r.out());
            assertTrue(r.out().contains("not an image: the server sent text/html"), r.out());
            assertEquals(Set.of("ok.png"), names(out), "a failed download leaves no file, not even a temporary one");
        }
    }

    @Test
    @Timeout(60)
    void imageNamesThatTryToEscapeStayInsideOut() throws Exception {
        try (TestServer server = TestServer.http()) {
            server.fallback(bytes(7, 300), "image/png");
            server.page("/a/b/page.html", """
                    <img src="../../../escape1.png">
                    <img src="..%2F..%2Fescape2.png">
                    <img src="%2e%2e%2f%2e%2e%2fescape3.png">
                    <img src="..%5C..%5Cescape4.png">
                    <img src="/x/%2E%2E">
                    <img src="/y/.hidden.png">
                    <img src="/z/CON.png">
                    <img src="/w/we%20ird%3A%2A%3Fname%00.png">
                    <img src="/v/-rf.png">
                    """);
            Path out = tmp.resolve("deep/out");
            Files.createDirectories(out);

            RunResult r = run("--out", out.toString(), "--progress", "lines", server.url("/a/b/page.html"));

            assertEquals(0, r.code(), r.all());
            try (Stream<Path> all = Files.walk(tmp)) {
                List<Path> files = all.filter(Files::isRegularFile).toList();
                for (Path f : files) {
                    assertEquals(out.toRealPath(), f.getParent().toRealPath(), "outside --out: " + f);
                }
            }
            Set<String> names = names(out);
            assertEquals(9, names.size(), names.toString());
            for (String n : names) {
                assertFalse(n.startsWith(".") || n.startsWith("-") || n.contains("..") || n.contains("/")
                        || n.contains("\\") || n.contains(":") || n.contains("*") || n.contains(" "), n);
            }
            assertTrue(names.contains("escape1.png") && names.contains("escape2.png") && names.contains("escape4.png"), names.toString());
            assertTrue(names.contains("_CON.png") && names.contains("hidden.png") && names.contains("rf.png"), names.toString());
        }
    }

    @Test
    @Timeout(60)
    void sameNamesGetASuffix() throws Exception {
        try (TestServer server = TestServer.http()) {
            server.add("/one/cat.png", bytes(1, 100), "image/png").add("/two/cat.png", bytes(2, 100), "image/png")
                    .add("/three/Cat.png", bytes(3, 100), "image/png");
            Path out = tmp.resolve("out");

            RunResult r = run("--out", out.toString(), "--concurrency", "1", server.url("/one/cat.png"),
                    server.url("/two/cat.png"), server.url("/three/Cat.png"));

            assertEquals(0, r.code(), r.all());
            assertEquals(sha256(bytes(1, 100)), sha256(out.resolve("cat.png")));
            assertEquals(sha256(bytes(2, 100)), sha256(out.resolve("cat-1.png")));
            assertEquals(sha256(bytes(3, 100)), sha256(out.resolve("Cat-2.png")));
        }
    }

    @Test
    @Timeout(60)
    void aReRunSkipsCompleteFilesAndForceDownloadsAgain() throws Exception {
        try (TestServer server = TestServer.http()) {
            server.add("/a.png", bytes(1, 1000), "image/png").add("/b.png", bytes(2, 1000), "image/png")
                    .add("/c", bytes(3, 1000), "image/gif");
            String[] urls = {server.url("/a.png"), server.url("/b.png"), server.url("/c")};
            Path out = tmp.resolve("out");
            Files.createDirectories(out);
            // an interrupted earlier run left a temporary file: it never counts as complete
            Files.write(out.resolve(".b.png.part"), bytes(2, 10));

            RunResult first = run(concat(new String[] {"--out", out.toString()}, urls));
            assertEquals(0, first.code(), first.all());
            assertEquals(Set.of("a.png", "b.png", "c.gif"), names(out));

            RunResult second = run(concat(new String[] {"--out", out.toString(), "--progress", "lines"}, urls));
            assertEquals(0, second.code(), second.all());
            assertTrue(second.out().contains("0 downloaded") && second.out().contains("3 skipped"), second.out());
            assertEquals(1, server.hits("/a.png"), "a complete file is not downloaded again");

            RunResult forced = run(concat(new String[] {"--out", out.toString(), "--force"}, urls));
            assertEquals(0, forced.code(), forced.all());
            assertTrue(forced.out().contains("3 downloaded"), forced.out());
            assertEquals(2, server.hits("/a.png"));
            assertEquals(sha256(bytes(2, 1000)), sha256(out.resolve("b.png")));
        }
    }

    @Test
    @Timeout(90)
    void selfSignedHttpsIsRefusedByDefaultAndAcceptedWithInsecure() throws Exception {
        try (TestServer server = TestServer.https(SelfSigned.serverContext(tmp))) {
            server.add("/secure.png", bytes(5, 4000), "image/png");
            Path out = tmp.resolve("out");

            RunResult refused = run("--out", out.toString(), "--progress", "none", server.url("/secure.png"));
            assertEquals(1, refused.code(), refused.all());
            assertTrue(refused.out().contains("TLS certificate") && refused.out().contains("--insecure"), refused.out());
            assertFalse(Files.exists(out.resolve("secure.png")));
            assertEquals(0, server.hits("/secure.png"), "no request may reach an unverified server");

            RunResult accepted = run("--out", out.toString(), "--insecure", server.url("/secure.png"));
            assertEquals(0, accepted.code(), accepted.all());
            assertEquals(sha256(bytes(5, 4000)), sha256(out.resolve("secure.png")));
        }
    }

    @Test
    @Timeout(60)
    void badInputExitsWithTwoAndSaysWhy() throws Exception {
        Path file = Files.writeString(tmp.resolve("a-file"), "x");

        RunResult badUrl = run("--out", tmp.resolve("o").toString(), "notaurl");
        assertEquals(2, badUrl.code());
        assertTrue(badUrl.err().contains("'notaurl' is not an http(s) URL"), badUrl.err());

        RunResult ftp = run("--out", tmp.resolve("o").toString(), "ftp://example.com/a.png");
        assertEquals(2, ftp.code());

        RunResult badOut = run("--out", file.resolve("sub").toString(), "http://127.0.0.1:1/a.png");
        assertEquals(2, badOut.code());
        assertTrue(badOut.err().contains("cannot create the --out directory"), badOut.err());

        RunResult outIsFile = run("--out", file.toString(), "http://127.0.0.1:1/a.png");
        assertEquals(2, outIsFile.code());
        assertTrue(outIsFile.err().contains("is not a directory"), outIsFile.err());

        RunResult noUrl = run();
        assertEquals(2, noUrl.code());
        assertTrue(noUrl.err().contains("Missing required parameter"), noUrl.err());

        RunResult badConcurrency = run("--concurrency", "0", "--out", tmp.resolve("o").toString(), "http://127.0.0.1:1/a.png");
        assertEquals(2, badConcurrency.code());

        RunResult help = run("--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("--concurrency") && help.out().contains("Exit codes"), help.out());
    }

    @Test
    @Timeout(60)
    void connectionRefusedIsAFailureWithItsReason() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        RunResult r = run("--out", tmp.resolve("o").toString(), "--progress", "none", "--retries", "1",
                "--retry-delay", "0", "http://127.0.0.1:" + port + "/a.png");
        assertEquals(1, r.code(), r.all());
        assertTrue(r.out().contains("cannot connect to 127.0.0.1:" + port), r.out());
    }

    private static String[] concat(String[] a, String[] b) {
        return Stream.concat(Stream.of(a), Stream.of(b)).toArray(String[]::new);
    }
}
