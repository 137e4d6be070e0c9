package io.gevent4j.celery;

import java.time.Duration;

/**
 * Thrown by a task to be run again later (Celery's {@code self.retry()}); make it with
 * {@link TaskContext#retry(Throwable, Duration)} and throw it. The worker stores a RETRY state and
 * sends the same task again with {@code retries + 1} and an ETA; once the task's
 * {@link TaskSettings#maxRetries()} is reached it stores FAILURE with {@link #cause()} instead.
 */
public final class Retry extends RuntimeException {
    /** The countdown (serialized with the exception). */
    private final Duration countdown;
    /** The maxRetries (serialized with the exception). */
    private final Integer maxRetries;

    Retry(Throwable cause, Duration countdown, Integer maxRetries) {
        super("Retry in " + countdown.toMillis() / 1000.0 + "s" + (cause == null ? "" : ": " + cause), cause);
        this.countdown = countdown;
        this.maxRetries = maxRetries;
    }

    /**
     * Returns how long to wait before the next attempt.
     *
     * @return how long to wait before the next attempt
     */
    public Duration countdown() {
        return countdown;
    }

    /**
     * Returns the retry limit for this call, or null for the task's own.
     *
     * @return the retry limit for this call, or null for the task's own
     */
    public Integer maxRetries() {
        return maxRetries;
    }

    /**
     * Returns the exception that caused the retry, or null.
     *
     * @return the exception that caused the retry, or null
     */
    public Throwable cause() {
        return getCause();
    }
}
