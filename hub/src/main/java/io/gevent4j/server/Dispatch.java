package io.gevent4j.server;

import java.util.List;

import io.gevent4j.Greenlet;

/**
 * Where a server's handlers run: one strategy per mode, chosen once by the options
 * ({@link OwnHubDispatch}: the server's hub, through its {@code Spawner}; {@link HubGroupDispatch}:
 * the hubs of a {@code HubGroup}).
 */
sealed interface Dispatch permits OwnHubDispatch, HubGroupDispatch {
    /** Starts the handler greenlet of a job the server now tracks. Server's hub. */
    void dispatch(BaseServer.Job job) throws InterruptedException;

    /** The handler of {@code job} ended (its resources are released). Handler's hub. */
    void ended(BaseServer.Job job);

    /**
     * Waits (at most {@link BaseServer#KILL_WAIT}) for the killed handlers to die, forgets them, and
     * reports those that survive. Server's hub, in the stop.
     */
    void awaitKilled(List<BaseServer.Job> killed, List<Greenlet<?>> victims) throws InterruptedException;
}
