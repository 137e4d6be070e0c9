package io.gevent4j.examples;

import io.gevent4j.HubGroup;
import io.gevent4j.http.GeventHttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The serve example: its endpoints, the served folder's walls, and a graceful stop on SIGTERM. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ServeTest {
    @TempDir
    Path dir;
    private Path root;
    private HubGroup group;
    private GeventHttpServer server;

    private record Answer(int status, String body) {
    }

    @BeforeEach
    void start() throws Exception {
        root = Files.createDirectories(dir.resolve("served"));
        Files.writeString(root.resolve("hello.txt"), "hello from a file");
        Files.createDirectories(root.resolve("sub"));
        Files.writeString(root.resolve("sub/inner.txt"), "inner");
        Files.writeString(dir.resolve("secret.txt"), "must never be served");
        Files.createSymbolicLink(root.resolve("leak"), dir.resolve("secret.txt"));
        group = HubGroup.of(2);
        server = Serve.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), group, root, 0, null);
    }

    @AfterEach
    void stop() throws Exception {
        server.stop(java.time.Duration.ZERO);
        group.close();
    }

    private Answer get(String pathAndQuery) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + server.port() + pathAndQuery)
                .toURL().openConnection();
        int status = c.getResponseCode();
        try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
            return new Answer(status, in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Test
    void sleepAnswersThirteenBytes() throws Exception {
        Answer a = get("/sleep?ms=20");
        assertEquals(200, a.status());
        assertEquals("Hello, World!", a.body());
        assertEquals(13, a.body().length());
        assertEquals(400, get("/sleep?ms=abc").status());
        assertEquals(400, get("/sleep?ms=-1").status());
    }

    @Test
    void fetchProxiesThroughHttpUrlConnection() throws Exception {
        String self = "http://127.0.0.1:" + server.port() + "/file?name=hello.txt";
        Answer a = get("/fetch?url=" + q(self));
        assertEquals(200, a.status());
        assertEquals("hello from a file", a.body());
        assertEquals(400, get("/fetch?url=" + q("ftp://example.org/x")).status());
        assertEquals(400, get("/fetch?url=" + q("not a url")).status());
        assertEquals(400, get("/fetch").status());
        try (java.net.ServerSocket closed = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int nobody = closed.getLocalPort();
            closed.close();
            assertEquals(502, get("/fetch?url=" + q("http://127.0.0.1:" + nobody + "/")).status());
        }
    }

    @Test
    void fileServesOnlyInsideTheFolder() throws Exception {
        assertEquals(new Answer(200, "hello from a file"), get("/file?name=hello.txt"));
        assertEquals(new Answer(200, "inner"), get("/file?name=" + q("sub/inner.txt")));
        assertEquals(new Answer(200, "inner"), get("/file?name=" + q("sub/../sub/inner.txt")));
        List<String> attacks = List.of("../secret.txt", "sub/../../secret.txt", dir.resolve("secret.txt").toString(),
                "/etc/passwd", "leak", "..", "sub/../..");
        for (String attack : attacks) {
            Answer a = get("/file?name=" + q(attack));
            assertTrue(a.status() == 403 || a.status() == 404, attack + " -> " + a);
            assertTrue(!a.body().contains("must never be served") && !a.body().contains("root:"), attack + " -> " + a);
        }
        // %2e%2e written by hand (double-encoded too), and a raw .. in the query
        for (String raw : List.of("%2e%2e%2fsecret.txt", "%252e%252e%252fsecret.txt", "../secret.txt", "..%2F..%2Fetc%2Fpasswd")) {
            Answer a = get("/file?name=" + raw);
            assertTrue(a.status() >= 400, raw + " -> " + a);
            assertTrue(!a.body().contains("must never be served") && !a.body().contains("root:"), raw + " -> " + a);
        }
        assertEquals(404, get("/file?name=missing.txt").status());
        assertEquals(404, get("/file?name=sub").status(), "a folder is not a file");
        assertEquals(400, get("/file").status());
    }

    /**
     * @param sharedPort with jdk.httpserver opened (as the agent does), the default group of one hub per
     *                   core runs one JDK server per hub on the one port; without, one shared JDK server
     */
    @ParameterizedTest(name = "one JDK server per hub: {0}")
    @ValueSource(booleans = {false, true})
    void sigtermStopsGracefullyAnsweringTheRequestInFlight(boolean sharedPort) throws Exception {
        // the request in flight is a /fetch whose backend (here, in the test JVM) answers only once the
        // child has begun its stop: so the signal surely arrives while the request is being handled
        CompletableFuture<Void> arrived = new CompletableFuture<>();
        CompletableFuture<Void> release = new CompletableFuture<>();
        var backend = com.sun.net.httpserver.HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
        backend.createContext("/", exchange -> {
            arrived.complete(null);
            try {
                release.get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IOException(e);
            }
            byte[] body = "from backend".getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        backend.start();
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(javaBin.toString(), "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED"));
        if (sharedPort) {
            command.addAll(List.of("--add-opens", "jdk.httpserver/sun.net.httpserver=ALL-UNNAMED"));
        }
        // two hubs whatever the machine's cores, so that the shared-port case has two JDK servers
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Serve.class.getName(), "--port", "0",
                "--hubs", "2", "--root", root.toString(), "--quiet"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            List<String> seen = new ArrayList<>();
            String listeningLine = readUntil(out, "listening on", seen);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("listening on http://[^:]+:(\\d+)").matcher(listeningLine);
            assertTrue(m.find(), listeningLine);
            assertEquals(sharedPort, listeningLine.contains("2 hubs (a JDK server on each)"), listeningLine);
            int port = Integer.parseInt(m.group(1));
            String url = "http://127.0.0.1:" + backend.getAddress().getPort() + "/";
            CompletableFuture<String> inFlight = CompletableFuture.supplyAsync(() -> {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                    s.getOutputStream().write(("GET /fetch?url=" + q(url) + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            arrived.get(30, TimeUnit.SECONDS);
            assertEquals(0, new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor());
            readUntil(out, "serve: stopping", seen);
            release.complete(null);
            String response = inFlight.get(30, TimeUnit.SECONDS);
            assertTrue(response.startsWith("HTTP/1.1 200"), response);
            assertTrue(response.endsWith("from backend"), response);
            readUntil(out, "serve: stopped", seen);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the server exits after the stop");
            assertEquals(0, p.exitValue(), String.join("\n", seen));
        } finally {
            release.complete(null);
            p.destroyForcibly();
            backend.stop(0);
        }
    }

    private static String readUntil(BufferedReader out, String needle, List<String> seen) throws IOException {
        for (String line; (line = out.readLine()) != null; ) {
            seen.add(line);
            if (line.contains(needle)) {
                return line;
            }
        }
        throw new AssertionError("the server never printed \"" + needle + "\": " + seen);
    }
}
