package io.gevent4j.celery;

import io.gevent4j.celery.internal.Resp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Worker processes of their own (JVMs started from the test class path): crash safety with acks-late,
 * warm shutdown on SIGTERM, and two workers sharing one queue.
 */
@Timeout(180)
class WorkerProcessTest {
    Servers.Redis redis;
    Path logs;
    final List<Process> workers = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        redis = new Servers.Redis();
        logs = Files.createTempDirectory("celery-java-workers-");
    }

    @AfterEach
    void stop() throws Exception {
        for (Process p : workers) {
            Servers.stop(p);
        }
        redis.close();
    }

    private Process worker(String name, String... options) throws Exception {
        List<String> all = new ArrayList<>(List.of("--hostname", name + "@test"));
        all.addAll(List.of(options));
        Process p = Servers.javaWorker(redis.url(), logs.resolve(name + ".log"), all.toArray(String[]::new));
        workers.add(p);
        Servers.waitUntil(Duration.ofSeconds(60), name + " to be ready", () -> Files.readString(logs.resolve(name + ".log")).contains("ready:"));
        return p;
    }

    private String log(String name) throws Exception {
        return Files.readString(logs.resolve(name + ".log"));
    }

    private int executions() throws Exception {
        return ((Number) redis.call("HLEN", "test:executions")).intValue();
    }

    private long longOf(Object... command) throws Exception {
        return ((Number) redis.call(command)).longValue();
    }

    @Test
    void killMinus9WithAcksLateLosesNothing() throws Exception {
        Process first = worker("doomed", "--acks-late", "--concurrency", "10", "--visibility-timeout", "2");
        List<AsyncResult> results = new ArrayList<>();
        try (Celery celery = Celery.connect(redis.url())) {
            for (int i = 0; i < 10; i++) {
                results.add(celery.sendTask("test.mark", List.of(30), Map.of(), SendOptions.DEFAULT));
            }
            Servers.waitUntil(Duration.ofSeconds(30), "10 running tasks", () -> executions() == 10);
            first.destroyForcibly().waitFor(10, TimeUnit.SECONDS);  // SIGKILL mid-task
            assertEquals(10, longOf("HLEN", "unacked"), "acks-late: the killed worker's messages stay unacked");
            redis.call("DEL", "test:executions");
            worker("rescuer", "--concurrency", "10", "--visibility-timeout", "2");
            // the rescuer restores them after the visibility timeout and runs them (30 s each is too
            // long to wait for: it is enough that each ran again and none is left unacked or queued)
            Servers.waitUntil(Duration.ofSeconds(60), "all 10 tasks to run again", () -> executions() == 10);
            assertTrue(log("rescuer").contains("restored 10 unacked message(s)"), log("rescuer"));
            assertEquals(0, longOf("LLEN", "celery"));
        }
    }

    @Test
    void sigtermFinishesRunningTasksAndRestoresTheRest() throws Exception {
        Process w = worker("graceful", "--concurrency", "2");
        List<AsyncResult> results = new ArrayList<>();
        try (Celery celery = Celery.connect(redis.url())) {
            for (int i = 0; i < 6; i++) {
                results.add(celery.sendTask("test.mark", List.of(2), Map.of(), SendOptions.DEFAULT));
            }
            Servers.waitUntil(Duration.ofSeconds(30), "2 running tasks and 4 prefetched", () -> executions() == 2 && longOf("LLEN", "celery") == 0);
            w.destroy(); // SIGTERM
            assertTrue(w.waitFor(60, TimeUnit.SECONDS), "the worker did not exit after SIGTERM");
            assertEquals(0, w.exitValue(), log("graceful"));
            int succeeded = 0;
            for (AsyncResult r : results) {
                if (r.state().equals("SUCCESS")) {
                    succeeded++;
                }
            }
            assertEquals(2, succeeded, "the two running tasks finish");
            assertEquals(4, longOf("LLEN", "celery"), "the four unstarted ones are back on the queue");
            assertEquals(0, longOf("HLEN", "unacked"));
            String first = Resp.str(redis.call("LINDEX", "celery", "-1"));
            assertTrue(first.contains("\"redelivered\":true"), first);
            assertTrue(log("graceful").contains("4 restored at shutdown"), log("graceful"));
        }
    }

    @Test
    void twoWorkerProcessesRun2000TasksExactlyOnceEach() throws Exception {
        worker("alpha", "--concurrency", "200");
        worker("beta", "--concurrency", "200");
        Set<String> ids = new HashSet<>();
        try (Celery celery = Celery.connect(redis.url())) {
            for (int i = 0; i < 2000; i++) {
                ids.add(celery.sendTask("test.mark", List.of(), Map.of(), SendOptions.DEFAULT.withIgnoreResult(true)).id());
            }
        }
        Servers.waitUntil(Duration.ofSeconds(120), "2000 executions", () -> executions() >= 2000);
        Object all = redis.call("HGETALL", "test:executions");
        List<?> flat = (List<?>) all;
        Set<String> ran = new HashSet<>();
        for (int i = 0; i < flat.size(); i += 2) {
            ran.add(Resp.str(flat.get(i)));
            assertEquals("1", Resp.str(flat.get(i + 1)), "task " + Resp.str(flat.get(i)) + " ran more than once");
        }
        assertEquals(ids, ran);
        Servers.waitUntil(Duration.ofSeconds(10), "no unacked message", () -> longOf("HLEN", "unacked") == 0);
        assertTrue(log("alpha").contains("ready:") && log("beta").contains("ready:"));
    }
}
