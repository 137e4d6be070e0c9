package io.gevent4j.celery;

import io.gevent4j.celery.internal.Hostnames;
import io.gevent4j.celery.internal.RedisUrl;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a {@link Worker} runs (the options of {@code celery worker}). Immutable; each {@code with}
 * method returns a copy.
 *
 * @param broker the broker (and result backend) URL, {@code redis://HOST:PORT/DB}
 * @param queues the queues to consume, in order ({@code -Q}, default {@code celery})
 * @param concurrency the most tasks running at once ({@code -c}, default 1000)
 * @param hubs how many hubs (threads) share the tasks (default 1)
 * @param acksLate acknowledge after the result is stored instead of when the task starts
 * @param visibilityTimeout how long an unacked message may stay before any worker restores it (1 h)
 * @param hostname the node name ({@code -n}), default {@code gevent4j@<host>}
 * @param shutdownTimeout how long a warm shutdown waits for running tasks (default 60 s)
 * @param prefetchMultiplier prefetch = concurrency × this ({@code worker_prefetch_multiplier}, 4)
 * @param resultExpires how long stored results live ({@code result_expires}, 1 day)
 */
public record WorkerOptions(String broker, List<String> queues, int concurrency, int hubs, boolean acksLate,
                            Duration visibilityTimeout, String hostname, Duration shutdownTimeout,
                            int prefetchMultiplier, Duration resultExpires) {

    /**
     * Checks every value and says which one is wrong.
     *
     * @param broker the broker URL
     * @param queues the queues
     * @param concurrency at least 1
     * @param hubs at least 1, at most concurrency
     * @param acksLate late acks
     * @param visibilityTimeout positive
     * @param hostname the node name
     * @param shutdownTimeout 0 or more
     * @param prefetchMultiplier at least 1
     * @param resultExpires positive
     */
    public WorkerOptions {
        RedisUrl.parse(broker);
        queues = List.copyOf(queues);
        if (queues.isEmpty() || queues.stream().anyMatch(String::isBlank)) {
            throw new IllegalArgumentException("queues must name at least one queue, without blanks; got " + queues);
        }
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be 1 or more, got " + concurrency);
        }
        if (hubs < 1 || hubs > concurrency) {
            throw new IllegalArgumentException("hubs must be between 1 and the concurrency (" + concurrency + "), got " + hubs);
        }
        Objects.requireNonNull(visibilityTimeout, "visibilityTimeout");
        if (visibilityTimeout.isNegative() || visibilityTimeout.isZero()) {
            throw new IllegalArgumentException("visibilityTimeout must be positive, got " + visibilityTimeout);
        }
        if (hostname == null || hostname.isBlank()) {
            throw new IllegalArgumentException("hostname must not be blank");
        }
        if (shutdownTimeout.isNegative()) {
            throw new IllegalArgumentException("shutdownTimeout must be 0 or more, got " + shutdownTimeout);
        }
        if (prefetchMultiplier < 1) {
            throw new IllegalArgumentException("prefetchMultiplier must be 1 or more, got " + prefetchMultiplier);
        }
    }

    /**
     * Celery's defaults for a broker.
     *
     * @param broker the broker URL
     * @return the options
     */
    public static WorkerOptions of(String broker) {
        return new WorkerOptions(broker, List.of("celery"), 1000, 1, false, Duration.ofHours(1),
                "gevent4j@" + Hostnames.LOCAL, Duration.ofSeconds(60), 4, Duration.ofDays(1));
    }

    /**
     * Returns a copy with them.
     *
     * @param q the queues
     * @return a copy with them
     */
    public WorkerOptions withQueues(List<String> q) {
        return new WorkerOptions(broker, q, concurrency, hubs, acksLate, visibilityTimeout, hostname, shutdownTimeout, prefetchMultiplier, resultExpires);
    }

    /**
     * Returns a copy with the concurrency changed.
     *
     * @param n the concurrency
     * @return a copy with it
     */
    public WorkerOptions withConcurrency(int n) {
        return new WorkerOptions(broker, queues, n, Math.min(hubs, n), acksLate, visibilityTimeout, hostname, shutdownTimeout, prefetchMultiplier, resultExpires);
    }

    /**
     * Returns a copy with the hub count changed.
     *
     * @param n the hub count
     * @return a copy with it
     */
    public WorkerOptions withHubs(int n) {
        return new WorkerOptions(broker, queues, concurrency, n, acksLate, visibilityTimeout, hostname, shutdownTimeout, prefetchMultiplier, resultExpires);
    }

    /**
     * Returns a copy with whether to ack late changed.
     *
     * @param late whether to ack late
     * @return a copy with it
     */
    public WorkerOptions withAcksLate(boolean late) {
        return new WorkerOptions(broker, queues, concurrency, hubs, late, visibilityTimeout, hostname, shutdownTimeout, prefetchMultiplier, resultExpires);
    }

    /**
     * Returns a copy with the visibility timeout changed.
     *
     * @param d the visibility timeout
     * @return a copy with it
     */
    public WorkerOptions withVisibilityTimeout(Duration d) {
        return new WorkerOptions(broker, queues, concurrency, hubs, acksLate, d, hostname, shutdownTimeout, prefetchMultiplier, resultExpires);
    }

    /**
     * Returns a copy with the node name changed.
     *
     * @param name the node name
     * @return a copy with it
     */
    public WorkerOptions withHostname(String name) {
        return new WorkerOptions(broker, queues, concurrency, hubs, acksLate, visibilityTimeout, name, shutdownTimeout, prefetchMultiplier, resultExpires);
    }

    /**
     * Returns a copy with the shutdown timeout changed.
     *
     * @param d the shutdown timeout
     * @return a copy with it
     */
    public WorkerOptions withShutdownTimeout(Duration d) {
        return new WorkerOptions(broker, queues, concurrency, hubs, acksLate, visibilityTimeout, hostname, d, prefetchMultiplier, resultExpires);
    }

    /**
     * Returns a copy with the prefetch multiplier changed.
     *
     * @param n the prefetch multiplier
     * @return a copy with it
     */
    public WorkerOptions withPrefetchMultiplier(int n) {
        return new WorkerOptions(broker, queues, concurrency, hubs, acksLate, visibilityTimeout, hostname, shutdownTimeout, n, resultExpires);
    }
}
