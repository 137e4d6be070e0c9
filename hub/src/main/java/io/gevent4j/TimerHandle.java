package io.gevent4j;

/**
 * A callback scheduled on a hub with {@link Hub#callLater}; cancel it to stop it from running.
 */
public interface TimerHandle {
    /** Stops the callback from running if it has not run yet. Idempotent; hub thread only. */
    void cancel();

    /** {@return true while the callback is scheduled and has neither run nor been cancelled} */
    boolean pending();
}
