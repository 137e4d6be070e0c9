package io.gevent4j.celery;

/**
 * The hard time limit of a task ran out: the task greenlet was stopped (billiard's
 * {@code TimeLimitExceeded}, stored as FAILURE). Raised into the task by a gevent4j {@code Timeout};
 * a task should not catch it.
 */
public final class TimeLimitExceeded extends CeleryException {
    /**
     * Creates the exception (each parameter is checked).
     *
     * @param seconds the limit that ran out
     */
    public TimeLimitExceeded(double seconds) {
        super("billiard.exceptions", "TimeLimitExceeded", Double.toString(seconds));
    }
}
