package io.gevent4j.pool;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;

import java.util.concurrent.Callable;

/**
 * Something that spawns greenlets: {@code Gevent::spawn}, a {@link Group} or a bounded {@link Pool}
 * (gevent's {@code spawn} argument of servers). A bounded spawner may block until it has room.
 */
@FunctionalInterface
public interface Spawner {
    /** The default spawner: a plain {@link Gevent#spawn(Callable)} on the current hub. */
    Spawner DEFAULT = Gevent::spawn;

    /**
     * Spawns {@code task} as a greenlet, waiting for room if this spawner is bounded.
     *
     * @param task what the greenlet runs
     * @param <T> the result type
     * @return the started greenlet
     * @throws InterruptedException if interrupted while waiting for room
     */
    <T> Greenlet<T> spawn(Callable<T> task) throws InterruptedException;
}
