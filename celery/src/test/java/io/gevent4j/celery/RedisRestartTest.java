package io.gevent4j.celery;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Redis goes away and comes back on the same port: the worker reconnects and goes on. */
@Timeout(90)
class RedisRestartTest {

    @Test
    void theWorkerReconnectsWithBackoffAfterRedisRestarts() throws Exception {
        Servers.Redis redis = new Servers.Redis();
        int port = redis.port;
        Worker worker = new Worker(WorkerOptions.of(redis.url()).withHostname("restart@test"));
        new ExampleTasks().register(worker);
        worker.start();
        try {
            try (Celery celery = Celery.connect(redis.url())) {
                assertEquals(5L, ((Number) celery.sendTask("gevent4j.add", 2, 3).get(Duration.ofSeconds(20))).longValue());
            }
            redis.close();
            Thread.sleep(1500); // the worker's loops notice and retry with backoff meanwhile
            redis = new Servers.Redis(port);
            try (Celery celery = Celery.connect(redis.url())) {
                assertEquals(7L, ((Number) celery.sendTask("gevent4j.add", 3, 4).get(Duration.ofSeconds(30))).longValue());
                Servers.waitUntil(Duration.ofSeconds(20), "the pidbox to resubscribe", () -> ((Number) redisCall(celery, port)).intValue() >= 1);
            }
        } finally {
            worker.close();
            redis.close();
        }
    }

    private static Object redisCall(Celery celery, int port) throws Exception {
        try (io.gevent4j.celery.internal.Resp r = io.gevent4j.celery.internal.Resp.connect(
                io.gevent4j.celery.internal.RedisUrl.parse("redis://127.0.0.1:" + port + "/0"))) {
            Object numsub = r.call("PUBSUB", "NUMPAT");
            return numsub;
        }
    }
}
