package io.gevent4j.celery;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Java client drives real Python workers: one {@code -P solo} and one {@code -P gevent}, each on a
 * queue of its own, started once for the class; every test runs against both.
 */
@Timeout(120)
class JavaProducerPythonWorkerTest {
    static Servers.Redis redis;
    static Process solo;
    static Process gevent;
    static Celery celery;
    static Path logs;

    @BeforeAll
    static void start() throws Exception {
        Servers.checkPythonCelery();
        redis = new Servers.Redis();
        logs = Files.createTempDirectory("celery-py-workers-");
        solo = Servers.pythonWorker(redis.url(), "solo", "solo", "solo@test", logs.resolve("solo.log"));
        gevent = Servers.pythonWorker(redis.url(), "gevent", "gevent", "gevent@test", logs.resolve("gevent.log"));
        celery = Celery.connect(redis.url());
        for (String queue : List.of("solo", "gevent")) {
            AsyncResult warm = celery.sendTask("py.add", List.of(0, 0), Map.of(), SendOptions.DEFAULT.withQueue(queue));
            try {
                warm.get(Duration.ofSeconds(60));
            } catch (java.util.concurrent.TimeoutException e) {
                throw new AssertionError("the Python " + queue + " worker did not start; its log:\n" + Files.readString(logs.resolve(queue + ".log")), e);
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (celery != null) {
            celery.close();
        }
        Servers.stop(solo);
        Servers.stop(gevent);
        if (redis != null) {
            redis.close();
        }
    }

    private static SendOptions on(String queue) {
        return SendOptions.DEFAULT.withQueue(queue);
    }

    @ParameterizedTest
    @ValueSource(strings = {"solo", "gevent"})
    void everyJsonTypeRoundTrips(String queue) throws Exception {
        List<Object> values = Arrays.asList(0, -7, 4611686018427387904L, 3.25, "", "héllo ✓ 日本", null, true, false,
                List.of(), Map.of(), List.of(1, List.of(2, List.of(3))), Map.of("nested", Map.of("t", true)));
        Map<String, Object> kwargs = new LinkedHashMap<>();
        kwargs.put("k", "v");
        kwargs.put("none", null);
        Object result = celery.sendTask("py.echo", values, kwargs, on(queue)).get(Duration.ofSeconds(20));
        assertEquals(List.of(values, kwargs), result);
        assertEquals(5, celery.sendTask("py.add", List.of(2, 3), Map.of(), on(queue)).get(Duration.ofSeconds(20), Integer.class));
    }

    @ParameterizedTest
    @ValueSource(strings = {"solo", "gevent"})
    void aPythonExceptionArrivesWithItsTypeAndMessage(String queue) throws Exception {
        AsyncResult r = celery.sendTask("py.fail", List.of("boom"), Map.of(), on(queue));
        TaskFailedException e = assertThrows(TaskFailedException.class, () -> r.get(Duration.ofSeconds(20)));
        assertEquals("ValueError", e.excType());
        assertEquals("builtins", e.excModule());
        assertEquals("boom", e.excText());
        assertEquals("FAILURE", r.state());
        assertTrue(e.traceback().contains("ValueError"), e.traceback());
    }

    @ParameterizedTest
    @ValueSource(strings = {"solo", "gevent"})
    void retriesToSuccessAndToFailure(String queue) throws Exception {
        assertEquals("ok after 2", celery.sendTask("py.flaky", List.of(2), Map.of(), on(queue)).get(Duration.ofSeconds(30)));
        AsyncResult failing = celery.sendTask("py.always_retry", List.of(), Map.of(), on(queue));
        TaskFailedException e = assertThrows(TaskFailedException.class, () -> failing.get(Duration.ofSeconds(30)));
        assertEquals("KeyError", e.excType());
    }

    @ParameterizedTest
    @ValueSource(strings = {"solo", "gevent"})
    void countdownExpiryAndRevoke(String queue) throws Exception {
        long start = System.nanoTime();
        assertEquals(2, celery.sendTask("py.add", List.of(1, 1), Map.of(), on(queue).withCountdown(Duration.ofSeconds(2)))
                .get(Duration.ofSeconds(20)));
        assertTrue(System.nanoTime() - start >= 1_900_000_000L, "the countdown was not honoured");

        AsyncResult expired = celery.sendTask("py.add", List.of(1, 1), Map.of(), on(queue).withExpires(java.time.Instant.now().minusSeconds(10)));
        TaskFailedException e = assertThrows(TaskFailedException.class, () -> expired.get(Duration.ofSeconds(20)));
        assertEquals("REVOKED", e.state());
        assertEquals("TaskRevokedError", e.excType());

        AsyncResult later = celery.sendTask("py.add", List.of(1, 1), Map.of(), on(queue).withCountdown(Duration.ofSeconds(3)));
        // the worker takes an ETA message at once and holds it, unacked: once it is off the queue, the
        // revoke reaches a worker that knows it
        Servers.waitUntil(Duration.ofSeconds(20), "the worker to take the countdown message",
                () -> ((Number) redis.call("LLEN", queue)).longValue() == 0);
        later.revoke();
        TaskFailedException r = assertThrows(TaskFailedException.class, () -> later.get(Duration.ofSeconds(20)));
        assertEquals("REVOKED", r.state());
    }

    @ParameterizedTest
    @ValueSource(strings = {"solo", "gevent"})
    void theClientWorksFromManyGreenletsAndFromPlainThreads(String queue) throws Exception {
        int sum = Gevent.run(() -> {
            List<Greenlet<Integer>> gs = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                int n = i;
                gs.add(Gevent.spawn(() -> celery.sendTask("py.add", List.of(n, 1), Map.of(), on(queue)).get(Duration.ofSeconds(30), Integer.class)));
            }
            int total = 0;
            for (Greenlet<Integer> g : gs) {
                total += g.get();
            }
            return total;
        });
        assertEquals(210, sum);
        List<Thread> threads = new ArrayList<>();
        int[] results = new int[4];
        for (int i = 0; i < 4; i++) {
            int n = i;
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    results[n] = celery.sendTask("py.add", List.of(n, n), Map.of(), on(queue)).get(Duration.ofSeconds(30), Integer.class);
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(List.of(0, 2, 4, 6), Arrays.stream(results).boxed().toList());
    }
}
