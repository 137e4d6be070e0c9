package io.gevent4j.celery;

import java.time.Duration;
import java.util.Objects;

/**
 * How a registered task behaves (Celery's task attributes): retry limit and delay, default time
 * limits, and whether its result is stored. Immutable; each {@code with} method returns a copy.
 *
 * @param maxRetries the most retries before a {@link Retry} becomes FAILURE ({@code max_retries}, 3)
 * @param retryDelay the countdown of a retry that gives none ({@code default_retry_delay}, 180 s)
 * @param timeLimit the hard time limit, or null for none ({@code time_limit})
 * @param softTimeLimit the soft time limit, or null for none ({@code soft_time_limit})
 * @param ignoreResult store no result ({@code ignore_result})
 */
public record TaskSettings(int maxRetries, Duration retryDelay, Duration timeLimit, Duration softTimeLimit,
                           boolean ignoreResult) {
    /** Celery's defaults. */
    public static final TaskSettings DEFAULT = new TaskSettings(3, Duration.ofSeconds(180), null, null, false);

    /**
     * Checks the values.
     *
     * @param maxRetries the retry limit, 0 or more
     * @param retryDelay the default countdown
     * @param timeLimit the hard limit or null
     * @param softTimeLimit the soft limit or null
     * @param ignoreResult store no result
     */
    public TaskSettings {
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must be 0 or more, got " + maxRetries);
        }
        Objects.requireNonNull(retryDelay, "retryDelay");
    }

    /**
     * Returns a copy with the retry limit changed.
     *
     * @param n the retry limit
     * @return a copy with it
     */
    public TaskSettings withMaxRetries(int n) {
        return new TaskSettings(n, retryDelay, timeLimit, softTimeLimit, ignoreResult);
    }

    /**
     * Returns a copy with the default retry countdown changed.
     *
     * @param d the default retry countdown
     * @return a copy with it
     */
    public TaskSettings withRetryDelay(Duration d) {
        return new TaskSettings(maxRetries, d, timeLimit, softTimeLimit, ignoreResult);
    }

    /**
     * Returns a copy with the hard time limit changed.
     *
     * @param d the hard time limit
     * @return a copy with it
     */
    public TaskSettings withTimeLimit(Duration d) {
        return new TaskSettings(maxRetries, retryDelay, d, softTimeLimit, ignoreResult);
    }

    /**
     * Returns a copy with the soft time limit changed.
     *
     * @param d the soft time limit
     * @return a copy with it
     */
    public TaskSettings withSoftTimeLimit(Duration d) {
        return new TaskSettings(maxRetries, retryDelay, timeLimit, d, ignoreResult);
    }

    /**
     * Returns a copy with whether to store no result changed.
     *
     * @param ignore whether to store no result
     * @return a copy with it
     */
    public TaskSettings withIgnoreResult(boolean ignore) {
        return new TaskSettings(maxRetries, retryDelay, timeLimit, softTimeLimit, ignore);
    }
}
