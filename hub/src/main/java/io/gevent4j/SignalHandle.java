package io.gevent4j;

/**
 * A handler installed with {@link Hub#signal(String, Runnable)} (gevent's {@code signal_handler}
 * object). {@link #cancel()} removes it; when a signal has no gevent4j handler left, the JVM's
 * previous handler for it is restored.
 */
public interface SignalHandle extends AutoCloseable {
    /** {@return the signal's name, without the {@code SIG} prefix (e.g. {@code "TERM"})} */
    String signal();

    /** Removes the handler; idempotent. Any thread. */
    void cancel();

    /** Same as {@link #cancel()}. */
    @Override
    default void close() {
        cancel();
    }
}
