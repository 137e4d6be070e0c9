package io.gevent4j.lock;

/**
 * A lock or permit held by the current greenlet, released by {@link #close()}: the Java shape of
 * Python's {@code with lock:}.
 * <pre>{@code
 * try (var held = semaphore.acquired()) {
 *     ... // at most N greenlets here at once
 * }
 * }</pre>
 * Closing twice releases once.
 */
public final class Held implements AutoCloseable {
    private Runnable release;

    Held(Runnable release) {
        this.release = release;
    }

    /** {@return true until {@link #close()}} */
    public boolean held() {
        return release != null;
    }

    /** Releases what was acquired; later calls do nothing. */
    @Override
    public void close() {
        Runnable r = release;
        if (r != null) {
            release = null;
            r.run();
        }
    }
}
