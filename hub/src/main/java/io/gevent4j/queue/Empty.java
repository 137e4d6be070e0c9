package io.gevent4j.queue;

import java.time.Duration;

/**
 * Raised by a get or peek that finds no item: {@link Queue#getNowait()}, or a timed {@link Queue#get(Duration)}
 * whose time ran out (gevent's {@code gevent.queue.Empty}, Python's {@code queue.Empty}).
 */
public class Empty extends RuntimeException {
    /**
     * Creates the exception.
     *
     * @param message what was attempted on which queue, and what to do instead
     */
    public Empty(String message) {
        super(message);
    }
}
