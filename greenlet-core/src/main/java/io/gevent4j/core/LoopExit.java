package io.gevent4j.core;

/**
 * Raised in a blocking call when nothing left on its carrier (no ready greenlet, no timer, no
 * outstanding I/O or thread-pool work, no other thread holding a reference) could ever wake it:
 * gevent's {@code LoopExit: This operation would block forever}. The message carries a dump of the
 * hub's state: each waiting greenlet and what it waits on.
 */
public final class LoopExit extends IllegalStateException {
    /**
     * Creates the exception.
     *
     * @param message "This operation would block forever" followed by the hub's state
     */
    public LoopExit(String message) {
        super(message);
    }
}
