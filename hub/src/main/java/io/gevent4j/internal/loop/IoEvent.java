package io.gevent4j.internal.loop;

import io.gevent4j.core.internal.NativeEPoll;

/** What a greenlet waits for on a file descriptor. */
public enum IoEvent {
    /** Readable (or a peer's close, or an error). */
    READ(NativeEPoll.EPOLLIN),
    /** Writable (or an error). */
    WRITE(NativeEPoll.EPOLLOUT);

    final int mask;

    IoEvent(int mask) {
        this.mask = mask;
    }

    /**
     * The event of one of the JDK's {@code Net.POLLIN} (1) / {@code Net.POLLOUT} (4) constants, as the
     * JDK's {@code sun.nio.ch.Poller} passes them.
     *
     * @param pollConstant 1 or 4
     * @return the event
     * @throws IllegalArgumentException for any other value
     */
    public static IoEvent ofPollConstant(int pollConstant) {
        return switch (pollConstant) {
            case 1 -> READ;
            case 4 -> WRITE;
            default -> throw new IllegalArgumentException("not POLLIN (1) or POLLOUT (4): " + pollConstant);
        };
    }
}
