package io.gevent4j.celery.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Semaphore;

/**
 * A bounded pool of {@link Resp} command connections shared by the greenlets (and threads) of one
 * worker or client. A connection that fails is closed, never returned; {@link #withRetry} retries a
 * failed round trip on a fresh connection with exponential backoff, which is how a worker rides out a
 * Redis restart.
 */
public final class RedisPool implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("io.gevent4j.celery");

    /** A round trip on a connection. */
    @FunctionalInterface
    public interface Use<T> {
        /**
         * Runs the round trip.
         *
         * @param redis the connection, for this call only
         * @return the result
         * @throws IOException on a broken connection or an error reply
         */
        T apply(Resp redis) throws IOException;
    }

    private final RedisUrl url;
    private final Semaphore permits;
    private final ConcurrentLinkedDeque<Resp> idle = new ConcurrentLinkedDeque<>();
    private volatile boolean closed;

    /**
     * A pool of at most {@code size} connections to {@code url}.
     *
     * @param url where Redis is
     * @param size the most connections at once
     */
    public RedisPool(RedisUrl url, int size) {
        this.url = url;
        this.permits = new Semaphore(size, true);
    }

    /** The address of Redis. */
    public RedisUrl url() {
        return url;
    }

    /**
     * Runs one round trip on a pooled connection.
     *
     * @param use what to do
     * @param <T> the result type
     * @return its result
     * @throws IOException if the connection fails (it is discarded) or Redis answers an error
     * @throws InterruptedException if interrupted while waiting for a connection
     */
    public <T> T with(Use<T> use) throws IOException, InterruptedException {
        if (closed) {
            throw new IOException("the Redis connection pool for " + url.display() + " is closed");
        }
        permits.acquire();
        Resp redis = null;
        try {
            redis = idle.pollFirst();
            if (redis == null) {
                redis = Resp.connect(url);
            }
            T result = use.apply(redis);
            idle.addFirst(redis);
            redis = null;
            return result;
        } catch (Resp.RedisError e) {
            // an error reply leaves the connection usable
            if (redis != null) {
                idle.addFirst(redis);
                redis = null;
            }
            throw e;
        } finally {
            if (redis != null) {
                redis.close();
            }
            permits.release();
        }
    }

    /**
     * Runs one round trip, retrying connection failures with backoff (0.1 s doubling to 5 s) until
     * {@code patience} has passed. Error replies are not retried.
     *
     * @param what what the round trip does, for the log
     * @param patience how long to keep retrying
     * @param use what to do
     * @param <T> the result type
     * @return its result
     * @throws IOException the last failure once patience ran out
     * @throws InterruptedException if interrupted
     */
    public <T> T withRetry(String what, Duration patience, Use<T> use) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        long backoffMillis = 100;
        while (true) {
            try {
                return with(use);
            } catch (Resp.RedisError e) {
                throw e;
            } catch (IOException e) {
                if (closed || System.nanoTime() - deadline > 0) {
                    throw e;
                }
                LOG.log(System.Logger.Level.WARNING, "Redis unavailable while trying to " + what + ": "
                        + e.getMessage() + "; retrying in " + backoffMillis + " ms");
                Thread.sleep(backoffMillis);
                backoffMillis = Math.min(backoffMillis * 2, 5_000);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        Resp redis;
        while ((redis = idle.pollFirst()) != null) {
            redis.close();
        }
    }
}
