package io.gevent4j.queue;

/**
 * Raised by a put on a queue that was {@linkplain Queue#shutdown() shut down}, and by a get or peek on a
 * shut-down queue that has no item left (Python 3.13's {@code queue.ShutDown}); greenlets blocked in
 * those calls when the queue is shut down get it too.
 */
public class ShutDown extends RuntimeException {
    /**
     * Creates the exception.
     *
     * @param message what was attempted on which queue, and what to do instead
     */
    public ShutDown(String message) {
        super(message);
    }
}
