package io.gevent4j.queue;

import java.time.Duration;

/**
 * Raised by a put that finds no room: {@link Queue#putNowait(Object)}, or a timed {@link Queue#put(Object,
 * Duration)} whose time ran out (gevent's {@code gevent.queue.Full}, Python's {@code queue.Full}).
 */
public class Full extends RuntimeException {
    /**
     * Creates the exception.
     *
     * @param message what was attempted on which queue, and what to do instead
     */
    public Full(String message) {
        super(message);
    }
}
