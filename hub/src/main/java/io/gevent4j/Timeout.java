package io.gevent4j;

import io.gevent4j.core.Strand;

import java.time.Duration;
import java.util.Objects;

/**
 * Raises an exception in the greenlet that started it if a block outlives the given duration
 * (gevent's {@code Timeout}). It is both the guard and, by default, the exception raised:
 * <pre>{@code
 * try (var t = Timeout.start(Duration.ofMillis(200))) {
 *     queue.get();               // raises t after 200 ms
 * } catch (Timeout t) { ... }
 * }</pre>
 * The exception is raised at the guarded greenlet's next wait in the hub (a sleep, a join, a queue get,
 * patched I/O); a greenlet blocked in plain JDK socket I/O is interrupted, which closes that socket,
 * as {@link Thread#interrupt()} does. Leaving the block ({@link #close()}) cancels it, and a Timeout
 * never fires into code it no longer guards. Timeouts nest; each is a distinct exception, so a
 * {@code catch} can tell which one fired ({@code e == t}). Hub thread only.
 */
public class Timeout extends RuntimeException implements AutoCloseable {
    // transient: a Timeout is an exception (hence Serializable) but its state only means something in its hub
    private final transient Duration duration;
    private final transient Throwable exception;
    private transient Strand target;
    private transient TimerHandle timer;
    private transient boolean fired;

    /**
     * Creates an unstarted timeout that raises itself.
     *
     * @param duration how long the block may run
     */
    public Timeout(Duration duration) {
        this(duration, null);
    }

    /**
     * Creates an unstarted timeout that raises {@code exception} (or itself if {@code null}).
     *
     * @param duration how long the block may run
     * @param exception what to raise when it expires
     */
    public Timeout(Duration duration, Throwable exception) {
        super("timed out after " + Objects.requireNonNull(duration, "duration").toMillis() + " ms");
        this.duration = duration;
        this.exception = exception;
    }

    /**
     * Creates and starts a timeout for the current greenlet.
     *
     * @param duration how long the block may run
     * @return the started timeout; close it when the block ends
     */
    public static Timeout start(Duration duration) {
        return new Timeout(duration).start();
    }

    /**
     * Creates and starts a timeout that raises {@code exception}.
     *
     * @param duration how long the block may run
     * @param exception what to raise
     * @return the started timeout
     */
    public static Timeout start(Duration duration, Throwable exception) {
        return new Timeout(duration, exception).start();
    }

    /**
     * Starts the timer for the current greenlet (or the hub thread). Starting it again restarts it.
     *
     * @return this timeout
     */
    public Timeout start() {
        cancel();
        Strand me = Strand.current();
        Hub hub = Hub.of(me);
        target = me;
        fired = false;
        timer = hub.callLater(duration, this::expire);
        return this;
    }

    private void expire() {
        fired = true;
        timer = null;
        target.raise(exception != null ? exception : this);
    }

    /** {@return true while started and not yet expired or cancelled} */
    public boolean pending() {
        return timer != null && timer.pending();
    }

    /** {@return true if it expired} */
    public boolean expired() {
        return fired;
    }

    /** {@return the duration} */
    public Duration duration() {
        return duration;
    }

    /**
     * Stops the timer; if it already expired but its exception has not been raised yet, withdraws it.
     */
    public void cancel() {
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
        if (fired && target != null) {
            target.cancelRaise(exception != null ? exception : this);
        }
    }

    /** Same as {@link #cancel()}: leaving the guarded block. */
    @Override
    public void close() {
        cancel();
    }
}
