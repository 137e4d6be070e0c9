package io.gevent4j.internal.loop;

/**
 * Told when a loop is created, on the loop's own thread, before it runs anything: how monitors (the
 * blocking detector, the run-info dump on a signal) start from their system properties without the
 * hub knowing them. Found with {@link java.util.ServiceLoader} (the hub's jar lists
 * {@code io.gevent4j.monitor.internal.StartMonitors}); loaded once per process.
 *
 * <p>A listener that throws is reported to the {@link io.gevent4j.core.internal.ErrorSink} once per
 * failure; the loop is created anyway.
 */
public interface LoopListener {
    /**
     * @param loop the new loop
     */
    void loopCreated(Loop loop);
}
