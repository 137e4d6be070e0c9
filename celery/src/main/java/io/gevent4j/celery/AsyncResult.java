package io.gevent4j.celery;

import io.gevent4j.celery.internal.Json;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The result of a sent task (Celery's {@code AsyncResult}): {@link #get(Duration)} waits on the result
 * channel (pub/sub, no polling), {@link #state()} reads the stored state now.
 */
public final class AsyncResult {
    private final Celery client;
    private final String id;

    AsyncResult(Celery client, String id) {
        this.client = client;
        this.id = id;
    }

    /**
     * Returns the task id.
     *
     * @return the task id
     */
    public String id() {
        return id;
    }

    /**
     * Waits for the task to finish and returns its result as plain JSON values.
     *
     * @param timeout the longest wait
     * @return the result
     * @throws TaskFailedException if it ended in FAILURE or REVOKED
     * @throws TimeoutException if it did not finish in time
     * @throws IOException if Redis is unreachable
     * @throws InterruptedException if interrupted
     */
    public Object get(Duration timeout) throws TaskFailedException, TimeoutException, IOException, InterruptedException {
        Map<String, Object> meta = readyMeta(timeout);
        String status = String.valueOf(meta.get("status"));
        if ("SUCCESS".equals(status)) {
            return meta.get("result");
        }
        throw failure(meta, status);
    }

    /**
     * As {@link #get(Duration)}, converting the result with Jackson.
     *
     * @param timeout the longest wait
     * @param type the Java type
     * @param <T> the type
     * @return the result
     * @throws TaskFailedException if it failed
     * @throws TimeoutException if it did not finish in time
     * @throws IOException if Redis is unreachable
     * @throws InterruptedException if interrupted
     */
    public <T> T get(Duration timeout, Class<T> type) throws TaskFailedException, TimeoutException, IOException, InterruptedException {
        return Json.convert(get(timeout), type);
    }

    private Map<String, Object> readyMeta(Duration timeout) throws TimeoutException, IOException, InterruptedException {
        CompletableFuture<Map<String, Object>> future = client.watch(id);
        try {
            return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw new IOException("waiting for task " + id + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            TimeoutException t = new TimeoutException("task " + id + " did not finish within " + timeout.toMillis()
                    + " ms (state " + state() + "); is a worker consuming its queue?");
            t.initCause(e);
            throw t;
        }
    }

    private TaskFailedException failure(Map<String, Object> meta, String status) {
        Object result = meta.get("result");
        String type = "Exception";
        String module = "builtins";
        List<Object> message = List.of();
        if (result instanceof Map<?, ?> exc) {
            type = String.valueOf(exc.get("exc_type"));
            module = String.valueOf(exc.get("exc_module"));
            Object m = exc.get("exc_message");
            message = m instanceof List<?> l ? List.copyOf(l.stream().map(o -> (Object) String.valueOf(o)).toList())
                    : m == null ? List.of() : List.of(String.valueOf(m));
        }
        Object traceback = meta.get("traceback");
        return new TaskFailedException(id, status, type, module, message, traceback == null ? null : traceback.toString());
    }

    /**
     * The stored state now: PENDING (nothing stored), STARTED, RETRY, SUCCESS, FAILURE, REVOKED.
     *
     * @return the state
     * @throws IOException if Redis is unreachable
     * @throws InterruptedException if interrupted
     */
    public String state() throws IOException, InterruptedException {
        Map<String, Object> meta = client.meta(id);
        return meta == null ? "PENDING" : String.valueOf(meta.get("status"));
    }

    /**
     * The stored meta now ({@code status}, {@code result}, {@code traceback}, {@code date_done}, ...).
     *
     * @return the meta, or null while PENDING
     * @throws IOException if Redis is unreachable
     * @throws InterruptedException if interrupted
     */
    public Map<String, Object> meta() throws IOException, InterruptedException {
        return client.meta(id);
    }

    /**
     * Whether the task finished (SUCCESS, FAILURE or REVOKED).
     *
     * @return true if ready
     * @throws IOException if Redis is unreachable
     * @throws InterruptedException if interrupted
     */
    public boolean ready() throws IOException, InterruptedException {
        String state = state();
        return state.equals("SUCCESS") || state.equals("FAILURE") || state.equals("REVOKED");
    }

    /**
     * Revokes the task (it never runs if not started).
     *
     * @throws IOException if Redis is unreachable
     * @throws InterruptedException if interrupted
     */
    public void revoke() throws IOException, InterruptedException {
        client.revoke(id, false);
    }

    /**
     * Revokes the task, killing it if it runs now.
     *
     * @param terminate kill a running task
     * @throws IOException if Redis is unreachable
     * @throws InterruptedException if interrupted
     */
    public void revoke(boolean terminate) throws IOException, InterruptedException {
        client.revoke(id, terminate);
    }

    @Override
    public String toString() {
        return "AsyncResult[" + id + "]";
    }
}
