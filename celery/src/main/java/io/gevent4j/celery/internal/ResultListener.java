package io.gevent4j.celery.internal;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The client side of the result backend's pub/sub, as Celery's {@code ResultConsumer} does it: one
 * dedicated connection SUBSCRIBEd to {@code celery-task-meta-<id>} of every awaited task, read by one
 * daemon thread that completes the task's future with its ready meta. Subscribing before a task is
 * sent means the PUBLISH that stores its result cannot be missed; after a reconnect every awaited
 * key is read once (results stored while the connection was down).
 */
public final class ResultListener implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("io.gevent4j.celery");

    private final RedisUrl url;
    private final Backend backend;
    private final Map<String, CompletableFuture<Map<String, Object>>> awaited = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Void>> subscribing = new ConcurrentHashMap<>();
    private final Object writeLock = new Object();
    private volatile Resp connection;
    private volatile boolean closed;
    private Thread reader;

    /**
     * @param url the backend
     * @param backend to read keys after (re)subscribing
     */
    public ResultListener(RedisUrl url, Backend backend) {
        this.url = url;
        this.backend = backend;
    }

    /**
     * The future of {@code taskId}'s ready meta, subscribed (confirmed by Redis) when this returns.
     *
     * @param taskId the task
     * @return its future (shared by every caller for that id)
     * @throws IOException if Redis is unreachable
     * @throws InterruptedException if interrupted
     */
    public CompletableFuture<Map<String, Object>> watch(String taskId) throws IOException, InterruptedException {
        CompletableFuture<Map<String, Object>> future = new CompletableFuture<>();
        CompletableFuture<Map<String, Object>> existing = awaited.putIfAbsent(taskId, future);
        if (existing != null) {
            return existing;
        }
        future.whenComplete((meta, error) -> forget(taskId));
        CompletableFuture<Void> confirmed = new CompletableFuture<>();
        String channel = Protocol.META_PREFIX + taskId;
        subscribing.put(channel, confirmed);
        synchronized (writeLock) {
            ensureConnected();
            connection.send("SUBSCRIBE", channel);
        }
        try {
            confirmed.get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            awaited.remove(taskId, future);
            throw new IOException("could not subscribe to the result channel of task " + taskId + " on " + url.display(), e);
        }
        return future;
    }

    private void forget(String taskId) {
        awaited.remove(taskId);
        synchronized (writeLock) {
            Resp c = connection;
            if (c != null && !closed) {
                try {
                    c.send("UNSUBSCRIBE", Protocol.META_PREFIX + taskId);
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.DEBUG, "unsubscribe failed; the reader reconnects", e);
                }
            }
        }
    }

    /** Completes a watch from a meta read some other way (a GET). */
    public void offer(String taskId, Map<String, Object> meta) {
        if (meta != null && Backend.READY.contains(String.valueOf(meta.get("status")))) {
            CompletableFuture<Map<String, Object>> future = awaited.get(taskId);
            if (future != null) {
                future.complete(meta);
            }
        }
    }

    private void ensureConnected() throws IOException {
        if (closed) {
            throw new IOException("the result listener is closed");
        }
        if (connection == null) {
            connection = Resp.connect(url);
            if (reader == null || !reader.isAlive()) {
                reader = Thread.ofPlatform().daemon().name("gevent4j-celery-results").start(this::readLoop);
            }
        }
    }

    private void readLoop() {
        long backoffMillis = 100;
        while (!closed) {
            Resp c = connection;
            try {
                if (c == null) {
                    synchronized (writeLock) {
                        ensureConnected();
                        c = connection;
                        for (String taskId : awaited.keySet()) {
                            c.send("SUBSCRIBE", Protocol.META_PREFIX + taskId);
                        }
                    }
                    for (String taskId : awaited.keySet()) {
                        offer(taskId, backend.meta(taskId));
                    }
                    backoffMillis = 100;
                }
                Object pushed = c.read();
                if (!(pushed instanceof List<?> parts) || parts.size() < 3) {
                    continue;
                }
                String kind = Resp.str(parts.get(0));
                String channel = Resp.str(parts.get(1));
                if ("subscribe".equals(kind)) {
                    CompletableFuture<Void> confirmed = subscribing.remove(channel);
                    if (confirmed != null) {
                        confirmed.complete(null);
                    }
                } else if ("message".equals(kind) && channel.startsWith(Protocol.META_PREFIX)) {
                    String taskId = channel.substring(Protocol.META_PREFIX.length());
                    offer(taskId, Backend.parseMeta(Resp.str(parts.get(2)), taskId));
                }
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                LOG.log(System.Logger.Level.WARNING, "result channel lost (" + e.getMessage() + "); reconnecting in " + backoffMillis + " ms");
                synchronized (writeLock) {
                    if (connection == c && c != null) {
                        c.close();
                    }
                    connection = null;
                }
                try {
                    Thread.sleep(backoffMillis);
                } catch (InterruptedException ie) {
                    return;
                }
                backoffMillis = Math.min(backoffMillis * 2, 5_000);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        synchronized (writeLock) {
            if (connection != null) {
                connection.close();
                connection = null;
            }
        }
        if (reader != null) {
            reader.interrupt();
        }
        for (CompletableFuture<Map<String, Object>> future : awaited.values()) {
            future.completeExceptionally(new IOException("the Celery client was closed"));
        }
    }
}
