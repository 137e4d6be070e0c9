package io.gevent4j.celery;

import io.gevent4j.celery.internal.Backend;
import io.gevent4j.celery.internal.Broker;
import io.gevent4j.celery.internal.Json;
import io.gevent4j.celery.internal.Protocol;
import io.gevent4j.celery.internal.RedisPool;
import io.gevent4j.celery.internal.RedisUrl;
import io.gevent4j.celery.internal.ResultListener;
import io.gevent4j.celery.internal.Resp;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A Celery client on Redis (Celery's {@code app.send_task}): sends tasks to any worker that shares the
 * broker — Python's {@code celery worker} (any pool) or a gevent4j {@link Worker} — and waits for
 * their results through the result backend's pub/sub. Thread-safe; usable from greenlets (waits park
 * only the greenlet) and from plain threads.
 * <pre>{@code
 * try (Celery celery = Celery.connect("redis://127.0.0.1:6379/0")) {
 *     AsyncResult r = celery.sendTask("gevent4j.add", List.of(2, 3), Map.of(), SendOptions.DEFAULT);
 *     System.out.println(r.get(Duration.ofSeconds(10)));     // 5
 * }
 * }</pre>
 */
public final class Celery implements AutoCloseable {
    private final RedisUrl url;
    private final RedisPool redis;
    private final Broker broker;
    private final Backend backend;
    private final ResultListener listener;

    private Celery(RedisUrl url) {
        this.url = url;
        this.redis = new RedisPool(url, 16);
        this.broker = new Broker(redis);
        this.backend = new Backend(redis, Duration.ofDays(1));
        this.listener = new ResultListener(url, backend);
    }

    /**
     * Connects to a Redis broker that is also the result backend, and checks that it answers.
     *
     * @param url {@code redis://HOST:PORT/DB}
     * @return the client
     * @throws IOException if Redis cannot be reached (the message says how to start it)
     * @throws IllegalArgumentException if the URL is malformed
     */
    public static Celery connect(String url) throws IOException {
        RedisUrl parsed = RedisUrl.parse(url);
        try (Resp probe = Resp.connect(parsed)) {
            probe.call("PING");
        }
        return new Celery(parsed);
    }

    /**
     * Returns the broker address (without password).
     *
     * @return the broker address (without password)
     */
    public String broker() {
        return url.display();
    }

    /**
     * Sends a task with no keyword arguments and default options.
     *
     * @param name the task name
     * @param args the positional arguments (JSON-serializable through Jackson)
     * @return its result handle
     * @throws IOException if Redis is unreachable
     * @throws InterruptedException if interrupted
     */
    public AsyncResult sendTask(String name, Object... args) throws IOException, InterruptedException {
        return sendTask(name, List.of(args), Map.of(), SendOptions.DEFAULT);
    }

    /**
     * Sends a task (Celery's {@code send_task}): subscribes to its result channel (unless the result
     * is ignored), then LPUSHes the v2 message onto the queue's list for its priority.
     *
     * @param name the task name
     * @param args positional arguments
     * @param kwargs keyword arguments
     * @param options queue, priority, countdown/eta, expires, ...
     * @return its result handle
     * @throws IOException if Redis is unreachable
     * @throws InterruptedException if interrupted
     */
    public AsyncResult sendTask(String name, List<?> args, Map<String, ?> kwargs, SendOptions options)
            throws IOException, InterruptedException {
        return send(name, args, kwargs, options, !options.ignoreResult());
    }

    /** Sends; subscribes to the result channel first only if {@code watch} (beat does not wait). */
    AsyncResult send(String name, List<?> args, Map<String, ?> kwargs, SendOptions options, boolean watch)
            throws IOException, InterruptedException {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a task name must not be blank");
        }
        Protocol.Outgoing out = new Protocol.Outgoing();
        if (options.taskId() != null) {
            out.id = options.taskId();
        }
        out.task = name;
        out.args = Json.list(Json.toPlain(args == null ? List.of() : args), "args");
        out.kwargs = Json.map(Json.toPlain(kwargs == null ? Map.of() : new LinkedHashMap<>(kwargs)), "kwargs");
        out.queue = options.queue();
        out.priority = options.priority();
        if (options.eta() != null) {
            out.eta = options.eta();
        } else if (options.countdown() != null) {
            out.eta = Instant.now().plus(options.countdown());
        }
        out.expires = options.expires();
        out.retries = options.retries();
        out.hardLimit = options.timeLimit() == null ? null : options.timeLimit().toMillis() / 1000.0;
        out.softLimit = options.softTimeLimit() == null ? null : options.softTimeLimit().toMillis() / 1000.0;
        out.ignoreResult = options.ignoreResult();
        AsyncResult result = new AsyncResult(this, out.id);
        if (watch) {
            listener.watch(out.id);
        }
        broker.publish(out.queue, out.priority, out.toJson());
        return result;
    }

    /**
     * A handle on an existing task id (Celery's {@code AsyncResult(id)}).
     *
     * @param taskId the id
     * @return its result handle
     */
    public AsyncResult result(String taskId) {
        return new AsyncResult(this, taskId);
    }

    /**
     * Revokes a task on every worker (Celery's {@code control.revoke}): a revoked id never runs; with
     * {@code terminate} a running one is killed. Workers not running now do not learn of it.
     *
     * @param taskId the task
     * @param terminate also kill it if it is running
     * @throws IOException if Redis is unreachable
     * @throws InterruptedException if interrupted
     */
    public void revoke(String taskId, boolean terminate) throws IOException, InterruptedException {
        Map<String, Object> arguments = new LinkedHashMap<>();
        arguments.put("task_id", taskId);
        arguments.put("terminate", terminate);
        arguments.put("signal", "SIGTERM");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("method", "revoke");
        body.put("arguments", arguments);
        body.put("destination", null);
        body.put("pattern", null);
        body.put("matcher", null);
        Map<String, Object> headers = new LinkedHashMap<>();
        headers.put("clock", 1);
        headers.put("expires", System.currentTimeMillis() / 1000.0 + 60);
        String envelope = Protocol.envelope(Json.write(body), headers, "celery.pidbox", "", 0, null);
        redis.withRetry("broadcast a revoke", Duration.ofSeconds(30),
                r -> r.call("PUBLISH", "/" + url.db() + ".celery.pidbox", envelope));
    }

    CompletableFuture<Map<String, Object>> watch(String taskId) throws IOException, InterruptedException {
        CompletableFuture<Map<String, Object>> future = listener.watch(taskId);
        listener.offer(taskId, backend.meta(taskId));
        return future;
    }

    Map<String, Object> meta(String taskId) throws IOException, InterruptedException {
        return backend.meta(taskId);
    }

    @Override
    public void close() {
        listener.close();
        redis.close();
    }
}
