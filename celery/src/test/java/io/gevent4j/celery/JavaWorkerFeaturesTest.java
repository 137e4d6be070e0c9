package io.gevent4j.celery;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Java client, Java worker (in process, over {@code --hubs 2}): what the Python interop tests do not
 * reach — terminate, typed arguments, the exception table, fetch/download against a local HTTP
 * server, ignore_result.
 */
@Timeout(120)
class JavaWorkerFeaturesTest {
    static Servers.Redis redis;
    static Worker worker;
    static Celery celery;
    static HttpServer http;
    static final byte[] BODY = "hello from the test server\n".repeat(100).getBytes(StandardCharsets.UTF_8);

    @BeforeAll
    static void start() throws Exception {
        redis = new Servers.Redis();
        System.setProperty("celery.test.redis", redis.url());
        worker = new Worker(WorkerOptions.of(redis.url()).withHubs(2).withConcurrency(100)
                .withHostname("features-" + UUID.randomUUID().toString().substring(0, 6) + "@test"));
        new ExampleTasks().register(worker);
        new TestTasks().register(worker);
        worker.task("test.divide", (args, kwargs) -> ((Number) args.get(0)).intValue() / ((Number) args.get(1)).intValue());
        worker.task("test.index", (args, kwargs) -> List.of().get(3));
        worker.task("test.custom", (args, kwargs) -> {
            throw new java.util.ConcurrentModificationException("custom");
        });
        worker.start();
        celery = Celery.connect(redis.url());
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/", exchange -> {
            exchange.sendResponseHeaders(exchange.getRequestURI().getPath().contains("missing") ? 404 : 200, BODY.length);
            exchange.getResponseBody().write(BODY);
            exchange.close();
        });
        http.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (http != null) {
            http.stop(0);
        }
        if (celery != null) {
            celery.close();
        }
        if (worker != null) {
            worker.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    private static TaskFailedException failure(String task, Object... args) {
        return assertThrows(TaskFailedException.class, () -> celery.sendTask(task, args).get(Duration.ofSeconds(20)));
    }

    @Test
    void exceptionsMapToPythonBuiltinsOrKeepTheirJavaName() {
        assertEquals("ZeroDivisionError", failure("test.divide", 1, 0).excType());
        assertEquals("IndexError", failure("test.index").excType());
        TaskFailedException custom = failure("test.custom");
        assertEquals("ConcurrentModificationException", custom.excType());
        assertEquals("java.util", custom.excModule());
        assertEquals("custom", custom.excText());
        TaskFailedException value = failure("gevent4j.fail", "bad value");
        assertEquals("ValueError", value.excType());
        assertEquals("builtins", value.excModule());
        assertEquals("TypeError", failure("gevent4j.add", 1, Map.of()).excType());
    }

    @Test
    void argumentsAndResultsMapToJavaTypesThroughJackson() throws Exception {
        TestTasks.Point doubled = celery.sendTask("test.typed", List.of(new TestTasks.Point(2, 3)), Map.of(), SendOptions.DEFAULT)
                .get(Duration.ofSeconds(20), TestTasks.Point.class);
        assertEquals(new TestTasks.Point(4, 6), doubled);
        assertEquals(new java.math.BigInteger("18446744073709551614"),
                celery.sendTask("gevent4j.add", new java.math.BigInteger("9223372036854775807"), new java.math.BigInteger("9223372036854775807"))
                        .get(Duration.ofSeconds(20), java.math.BigInteger.class));
    }

    @Test
    void revokeWithTerminateKillsARunningTask() throws Exception {
        AsyncResult r = celery.sendTask("gevent4j.sleep", 30);
        Servers.waitFor(Duration.ofSeconds(20), "the task to run", () -> worker.activeCount() > 0);
        r.revoke(true);
        TaskFailedException e = assertThrows(TaskFailedException.class, () -> r.get(Duration.ofSeconds(20)));
        assertEquals("REVOKED", e.state());
        assertEquals("terminated", e.excText());
    }

    @Test
    void fetchAndDownloadUsePlainHttpUrlConnectionAndSafeNames() throws Exception {
        String base = "http://127.0.0.1:" + http.getAddress().getPort();
        @SuppressWarnings("unchecked")
        Map<String, Object> fetched = (Map<String, Object>) celery.sendTask("gevent4j.fetch", base + "/page").get(Duration.ofSeconds(20));
        assertEquals(200, fetched.get("status"));
        assertEquals(BODY.length, ((Number) fetched.get("bytes")).intValue());
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(BODY)), fetched.get("sha256"));

        Path dir = Files.createTempDirectory("celery-download-");
        String first = (String) celery.sendTask("gevent4j.download", base + "/a/..%2F..%2Fevil.txt", dir.toString()).get(Duration.ofSeconds(20));
        String second = (String) celery.sendTask("gevent4j.download", base + "/a/..%2F..%2Fevil.txt", dir.toString()).get(Duration.ofSeconds(20));
        assertEquals(dir.toRealPath(), Path.of(first).getParent());
        assertEquals(dir.toRealPath(), Path.of(second).getParent());
        assertTrue(!first.equals(second), first + " " + second);
        assertEquals("evil.txt", Path.of(first).getFileName().toString());
        assertEquals("evil-1.txt", Path.of(second).getFileName().toString());
        assertEquals(BODY.length, Files.size(Path.of(first)));
        assertEquals("OSError", failure("gevent4j.download", base + "/missing", dir.toString()).excType());
    }

    @Test
    void theCallCommandPrintsTheResultAndExitsByState() throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream stdout = System.out;
        java.io.PrintStream stderr = System.err;
        int ok;
        int failed;
        int badArgs;
        try {
            System.setOut(new java.io.PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new java.io.PrintStream(err, true, StandardCharsets.UTF_8));
            ok = new picocli.CommandLine(new CeleryCli()).execute("call", "gevent4j.add", "--args", "[2, 3]", "--wait", "20", "--broker", redis.url());
            failed = new picocli.CommandLine(new CeleryCli()).execute("call", "gevent4j.fail", "--args", "[\"nope\"]", "--wait", "20", "--broker", redis.url());
            badArgs = new picocli.CommandLine(new CeleryCli()).execute("call", "gevent4j.add", "--args", "[2,", "--broker", redis.url());
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
        String printed = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, ok, err.toString(StandardCharsets.UTF_8));
        assertTrue(printed.lines().anyMatch("5"::equals), printed);
        assertEquals(1, failed);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("FAILURE: builtins.ValueError: nope"), err.toString(StandardCharsets.UTF_8));
        assertEquals(2, badArgs);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--args must be a JSON array"), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void heartbeatsReachCeleryEventsChannel() throws Exception {
        try (io.gevent4j.celery.internal.Resp events = io.gevent4j.celery.internal.Resp.connect(
                io.gevent4j.celery.internal.RedisUrl.parse(redis.url()))) {
            events.call("PSUBSCRIBE", "/0.celeryev/*");
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < deadline) {
                Object pushed = events.read();
                if (pushed instanceof List<?> parts && parts.size() == 4
                        && io.gevent4j.celery.internal.Resp.str(parts.get(2)).equals("/0.celeryev/worker.heartbeat")) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> body = (Map<String, Object>) io.gevent4j.celery.internal.Protocol.decodeBody(
                            io.gevent4j.celery.internal.Resp.str(parts.get(3)));
                    if (worker.hostname().equals(body.get("hostname"))) {
                        assertEquals("worker-heartbeat", body.get("type"));
                        assertEquals(2.0, body.get("freq"));
                        assertTrue(body.get("processed") instanceof Number);
                        return;
                    }
                }
            }
            throw new AssertionError("no worker.heartbeat of " + worker.hostname() + " within 10 s");
        }
    }

    @Test
    void ignoreResultStoresNothing() throws Exception {
        AsyncResult r = celery.sendTask("test.record", List.of("ignored"), Map.of(), SendOptions.DEFAULT.withIgnoreResult(true));
        Servers.waitUntil(Duration.ofSeconds(20), "the task to run", () -> ((List<?>) redis.call("LRANGE", "test:record", "0", "-1")).stream()
                        .map(io.gevent4j.celery.internal.Resp::str).anyMatch("ignored"::equals));
        Thread.sleep(200); // nothing should follow; a stored result would have been written before the record
        assertEquals("PENDING", r.state());
    }
}
