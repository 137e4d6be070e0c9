package io.gevent4j.celery;

/**
 * The soft time limit of a task ran out (billiard's {@code SoftTimeLimitExceeded}): raised into the
 * task greenlet at its next wait, so the task can catch it and clean up before the hard limit.
 * Without the gevent4j agent a plain {@code Thread.sleep} sees it as an {@code InterruptedException}
 * instead; the worker still reports SoftTimeLimitExceeded if the task lets that escape.
 */
public final class SoftTimeLimitExceeded extends CeleryException {
    /**
     * Creates the exception (each parameter is checked).
     *
     * @param seconds the limit that ran out
     */
    public SoftTimeLimitExceeded(double seconds) {
        super("billiard.exceptions", "SoftTimeLimitExceeded", "SoftTimeLimitExceeded(" + seconds + ")");
    }
}
