package io.gevent4j.celery;

import java.time.Duration;
import java.time.Instant;

/**
 * How to send one task (the options of Celery's {@code apply_async}). Immutable; each {@code with}
 * method returns a copy. {@link #DEFAULT} sends to queue {@code celery} at priority 0.
 *
 * @param queue the queue (routing key)
 * @param priority 0 (first) to 9 (last), as kombu's Redis transport orders them
 * @param countdown run no earlier than this from now, or null
 * @param eta run no earlier than this, or null (wins over countdown)
 * @param expires discard (REVOKED "expired") if not started by then, or null
 * @param retries the retry count to send (normally 0)
 * @param timeLimit the hard time limit, or null
 * @param softTimeLimit the soft time limit, or null
 * @param ignoreResult ask the worker to store no result
 * @param taskId the task id to use, or null for a fresh uuid
 */
public record SendOptions(String queue, int priority, Duration countdown, Instant eta, Instant expires, int retries,
                          Duration timeLimit, Duration softTimeLimit, boolean ignoreResult, String taskId) {
    /** Queue {@code celery}, priority 0, nothing else. */
    public static final SendOptions DEFAULT = new SendOptions("celery", 0, null, null, null, 0, null, null, false, null);

    /**
     * Checks the values.
     *
     * @param queue the queue
     * @param priority 0..9
     * @param countdown or null
     * @param eta or null
     * @param expires or null
     * @param retries 0 or more
     * @param timeLimit or null
     * @param softTimeLimit or null
     * @param ignoreResult no result
     * @param taskId or null
     */
    public SendOptions {
        if (queue == null || queue.isBlank()) {
            throw new IllegalArgumentException("queue must not be blank");
        }
        if (priority < 0 || priority > 9) {
            throw new IllegalArgumentException("priority must be 0..9 (0 runs first on Redis), got " + priority);
        }
        if (retries < 0) {
            throw new IllegalArgumentException("retries must be 0 or more, got " + retries);
        }
    }

    /**
     * Returns a copy with the queue changed.
     *
     * @param q the queue
     * @return a copy with it
     */
    public SendOptions withQueue(String q) {
        return new SendOptions(q, priority, countdown, eta, expires, retries, timeLimit, softTimeLimit, ignoreResult, taskId);
    }

    /**
     * Returns a copy with the priority changed.
     *
     * @param p the priority
     * @return a copy with it
     */
    public SendOptions withPriority(int p) {
        return new SendOptions(queue, p, countdown, eta, expires, retries, timeLimit, softTimeLimit, ignoreResult, taskId);
    }

    /**
     * Returns a copy with the countdown changed.
     *
     * @param d the countdown
     * @return a copy with it
     */
    public SendOptions withCountdown(Duration d) {
        return new SendOptions(queue, priority, d, eta, expires, retries, timeLimit, softTimeLimit, ignoreResult, taskId);
    }

    /**
     * Returns a copy with the ETA changed.
     *
     * @param t the ETA
     * @return a copy with it
     */
    public SendOptions withEta(Instant t) {
        return new SendOptions(queue, priority, countdown, t, expires, retries, timeLimit, softTimeLimit, ignoreResult, taskId);
    }

    /**
     * Returns a copy with the expiry time changed.
     *
     * @param t the expiry time
     * @return a copy with it
     */
    public SendOptions withExpires(Instant t) {
        return new SendOptions(queue, priority, countdown, eta, t, retries, timeLimit, softTimeLimit, ignoreResult, taskId);
    }

    /**
     * Returns a copy with expire this long from now changed.
     *
     * @param d expire this long from now
     * @return a copy with it
     */
    public SendOptions withExpiresIn(Duration d) {
        return withExpires(Instant.now().plus(d));
    }

    /**
     * Returns a copy with the retry count changed.
     *
     * @param n the retry count
     * @return a copy with it
     */
    public SendOptions withRetries(int n) {
        return new SendOptions(queue, priority, countdown, eta, expires, n, timeLimit, softTimeLimit, ignoreResult, taskId);
    }

    /**
     * Returns a copy with the hard time limit changed.
     *
     * @param d the hard time limit
     * @return a copy with it
     */
    public SendOptions withTimeLimit(Duration d) {
        return new SendOptions(queue, priority, countdown, eta, expires, retries, d, softTimeLimit, ignoreResult, taskId);
    }

    /**
     * Returns a copy with the soft time limit changed.
     *
     * @param d the soft time limit
     * @return a copy with it
     */
    public SendOptions withSoftTimeLimit(Duration d) {
        return new SendOptions(queue, priority, countdown, eta, expires, retries, timeLimit, d, ignoreResult, taskId);
    }

    /**
     * Returns a copy with store no result changed.
     *
     * @param ignore store no result
     * @return a copy with it
     */
    public SendOptions withIgnoreResult(boolean ignore) {
        return new SendOptions(queue, priority, countdown, eta, expires, retries, timeLimit, softTimeLimit, ignore, taskId);
    }

    /**
     * Returns a copy with the task id changed.
     *
     * @param id the task id
     * @return a copy with it
     */
    public SendOptions withTaskId(String id) {
        return new SendOptions(queue, priority, countdown, eta, expires, retries, timeLimit, softTimeLimit, ignoreResult, id);
    }
}
