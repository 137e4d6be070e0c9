package io.gevent4j;

import java.util.function.Consumer;

/**
 * Something a greenlet can wait for with {@link Gevent#wait} and {@link Gevent#iwait}: a
 * {@link Greenlet}, an {@link io.gevent4j.event.Event}, an {@link io.gevent4j.event.AsyncResult}
 * (gevent's objects with {@code rawlink}).
 */
public interface Waitable {
    /** {@return true once it is ready (the greenlet is dead, the event is set)} */
    boolean ready();

    /**
     * Calls {@code callback} on the hub, synchronously, when it becomes ready (at once if it is ready
     * now). Hub thread only. The callback must not block.
     *
     * @param callback receives this object
     */
    void rawlink(Consumer<? super Waitable> callback);

    /**
     * Removes a callback added with {@link #rawlink}.
     *
     * @param callback the callback
     * @return true if it was registered
     */
    boolean rawunlink(Consumer<? super Waitable> callback);
}
