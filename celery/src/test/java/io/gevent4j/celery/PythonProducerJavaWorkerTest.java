package io.gevent4j.celery;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Unmodified Python Celery (Debian's python3-celery) sends, a gevent4j worker runs: every scenario is
 * a Python producer script whose AsyncResult.get() must see exactly what a Python worker would store.
 * One Redis and one in-process worker serve the whole class.
 */
@Timeout(120)
class PythonProducerJavaWorkerTest {
    static Servers.Redis redis;
    static Worker worker;

    @BeforeAll
    static void start() throws Exception {
        Servers.checkPythonCelery();
        redis = new Servers.Redis();
        System.setProperty("celery.test.redis", redis.url());
        worker = new Worker(WorkerOptions.of(redis.url()).withHostname("java-" + UUID.randomUUID().toString().substring(0, 8) + "@test"));
        new ExampleTasks().register(worker);
        assertEquals(1, worker.loadProviders(), "TestTasks must be found through META-INF/services");
        worker.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (worker != null) {
            worker.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    private static Map<String, Object> py(String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = "producer.py";
        System.arraycopy(args, 0, command, 1, args.length);
        return Servers.json(Servers.python(redis.url(), Duration.ofSeconds(60), command));
    }

    @Test
    void everyJsonTypeRoundTripsUnchanged() throws Exception {
        Map<String, Object> r = py("types");
        assertEquals(r.get("sent"), r.get("result"));
    }

    @Test
    void addAndCeleryCallFromTheCommandLine() throws Exception {
        assertEquals(5, py("add").get("result"));
        String out = Servers.python(redis.url(), Duration.ofSeconds(60), "-m", "celery", "-A", "pyapp", "call", "gevent4j.add", "--args", "[4, 5]");
        String id = out.strip();
        Servers.waitUntil(Duration.ofSeconds(20), "the result of celery call", () -> redis.call("GET", "celery-task-meta-" + id) != null);
        String meta = io.gevent4j.celery.internal.Resp.str(redis.call("GET", "celery-task-meta-" + id));
        Map<String, Object> parsed = io.gevent4j.celery.internal.Json.parseObject(meta);
        assertEquals("SUCCESS", parsed.get("status"));
        assertEquals(9, parsed.get("result"));
        assertEquals(id, parsed.get("task_id"));
        assertTrue(String.valueOf(parsed.get("date_done")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}"), meta);
    }

    @Test
    void anExceptionIsReRaisedInPythonWithItsTypeAndMessage() throws Exception {
        Map<String, Object> r = py("fail");
        assertEquals(false, r.get("ok"));
        assertEquals("ValueError", r.get("type"));
        assertEquals("builtins", r.get("module"));
        assertEquals(List.of("boom from python"), r.get("args"));
        assertEquals("FAILURE", r.get("state"));
    }

    @Test
    void anUnknownTaskIsNotRegistered() throws Exception {
        Map<String, Object> r = py("notregistered");
        assertEquals("NotRegistered", r.get("type"));
        assertEquals("celery.exceptions", r.get("module"));
    }

    @Test
    void retriesToSuccessAndToFinalFailure() throws Exception {
        Map<String, Object> ok = py("retry_success");
        assertEquals(Map.of("ok", true, "value", "ok after 2"), ok);
        Map<String, Object> failed = py("retry_failure");
        assertEquals("KeyError", failed.get("type"), failed.toString());
        assertEquals("FAILURE", failed.get("state"));
    }

    @Test
    void countdownIsHonoured() throws Exception {
        Map<String, Object> r = py("countdown");
        assertEquals(2, r.get("result"));
        assertTrue(((Number) r.get("elapsed")).doubleValue() >= 1.9, r.toString());
    }

    @Test
    void expiredIsRevoked() throws Exception {
        Map<String, Object> r = py("expired");
        assertEquals("TaskRevokedError", r.get("type"), r.toString());
        assertEquals(List.of("expired"), r.get("args"));
        assertEquals("REVOKED", r.get("state"));
    }

    @Test
    void revokedBeforeItRunsNeverRuns() throws Exception {
        Map<String, Object> r = py("revoke");
        assertEquals("TaskRevokedError", r.get("type"), r.toString());
        assertEquals(List.of("revoked"), r.get("args"));
    }

    @Test
    void chainsAndLinksRunAsTraceDoes() throws Exception {
        Map<String, Object> chain = py("chain");
        assertEquals(18, chain.get("result"));
        assertEquals(8, chain.get("parent"));
        String tag = UUID.randomUUID().toString();
        Map<String, Object> link = py("link", "celery", tag);
        assertEquals(3, link.get("result"));
        assertEquals(List.of(List.of(3, "linked"), Map.of()), link.get("linked"));
        Map<String, Object> errback = py("link_error", "celery", tag);
        assertEquals(false, ((Map<?, ?>) errback.get("failed")).get("ok"));
        assertEquals(2, ((List<?>) ((List<?>) errback.get("errback")).get(0)).size(), errback.toString());
    }

    @Test
    void hardTimeLimitFailsWithTimeLimitExceededAndSoftLimitIsCatchable() throws Exception {
        Map<String, Object> hard = py("timelimit");
        assertEquals("TimeLimitExceeded", hard.get("type"), hard.toString());
        assertEquals("billiard.exceptions", hard.get("module"));
        Map<String, Object> soft = py("softlimit");
        assertEquals(true, soft.get("ok"), soft.toString());
        assertTrue(String.valueOf(soft.get("value")).startsWith("cleaned up after"), soft.toString());
    }

    @Test
    void priorityZeroIsConsumedFirst() throws Exception {
        String queue = "prio-" + UUID.randomUUID().toString().substring(0, 6);
        py("priorities", queue);  // sent while nobody consumes that queue
        Worker ordered = new Worker(WorkerOptions.of(redis.url()).withQueues(List.of(queue)).withConcurrency(1)
                .withPrefetchMultiplier(1).withHostname("prio-" + queue + "@test"));
        new TestTasks().register(ordered);
        ordered.start();
        try {
            Servers.waitUntil(Duration.ofSeconds(20), "four recorded tasks", () -> ((Number) redis.call("LLEN", "test:record")).intValue() >= 4);
        } finally {
            ordered.close();
        }
        Object order = redis.call("LRANGE", "test:record", "0", "-1");
        assertEquals(List.of("p0", "p3", "p6", "p9"), ((List<?>) order).stream().map(io.gevent4j.celery.internal.Resp::str).toList());
    }

    @Test
    void inspectPingAndStatusListTheJavaWorker() throws Exception {
        String ping = Servers.python(redis.url(), Duration.ofSeconds(60), "-m", "celery", "-A", "pyapp", "inspect", "ping");
        assertTrue(ping.contains(worker.hostname() + ": OK") && ping.contains("pong"), ping);
        String status = Servers.python(redis.url(), Duration.ofSeconds(60), "-m", "celery", "-A", "pyapp", "status");
        assertTrue(status.contains(worker.hostname()), status);
    }

    @Test
    void badEnvelopesAreRejectedCountedAndNeverStopTheWorker() throws Exception {
        long before = worker.rejectedCount();
        String b64 = java.util.Base64.getEncoder().encodeToString("[[1, 2], {}, {}]".getBytes());
        List<String> bad = List.of(
                "not json at all",
                "{\"body\": \"x\"}",
                envelope("%%% not base64 %%%", "application/json", true),
                envelope(java.util.Base64.getEncoder().encodeToString("{not json".getBytes()), "application/json", true),
                envelope(java.util.Base64.getEncoder().encodeToString("{\"a\": 1}".getBytes()), "application/json", true),
                envelope(b64, "application/x-python-serialize", true),
                envelope(b64, "application/x-yaml", true),
                envelope(b64, "application/json", false));
        for (String message : bad) {
            redis.call("LPUSH", "celery", message);
        }
        Servers.waitFor(Duration.ofSeconds(20), "8 rejected messages", () -> worker.rejectedCount() - before >= 8);
        assertEquals(8, worker.rejectedCount() - before);
        assertEquals(5, py("add").get("result"), "the worker still runs tasks");
        Servers.waitUntil(Duration.ofSeconds(10), "no unacked message left", () -> ((Number) redis.call("HLEN", "unacked")).intValue() == 0);
    }

    private static String envelope(String body, String contentType, boolean withTask) {
        String tag = UUID.randomUUID().toString();
        return "{\"body\": \"" + body + "\", \"content-encoding\": \"utf-8\", \"content-type\": \"" + contentType + "\", "
                + "\"headers\": {" + (withTask ? "\"task\": \"gevent4j.add\", " : "") + "\"id\": \"" + tag + "\"}, "
                + "\"properties\": {\"delivery_tag\": \"" + tag + "\", \"body_encoding\": \"base64\", "
                + "\"delivery_info\": {\"exchange\": \"\", \"routing_key\": \"celery\"}}}";
    }

    @Test
    void noMessageIsLeftUnackedAfterTheScenarios() throws Exception {
        assertEquals(5, py("add").get("result"));
        assertFalse(worker.taskNames().isEmpty());
    }
}
