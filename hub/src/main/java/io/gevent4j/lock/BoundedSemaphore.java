package io.gevent4j.lock;

/**
 * A {@link Semaphore} that refuses to be released more times than it was acquired (gevent's
 * {@code BoundedSemaphore}): a release that would raise the count above its initial value throws
 * {@link IllegalStateException}, which catches a double release early.
 */
public class BoundedSemaphore extends Semaphore {
    /** A bounded semaphore with one permit. */
    public BoundedSemaphore() {
        this(1);
    }

    /**
     * A bounded semaphore with {@code permits} permits, which is also its upper bound.
     *
     * @param permits the initial and largest count
     */
    public BoundedSemaphore(int permits) {
        super(permits, permits);
    }
}
