package io.gevent4j.event;

import io.gevent4j.Hub;
import io.gevent4j.Waitable;
import io.gevent4j.internal.loop.Linkable;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * A flag that greenlets can wait for (gevent's {@code gevent.event.Event}): {@link #set()} wakes every
 * waiter; {@link #clear()} resets it. Hub-local: use it from the hub that created it (its thread and
 * greenlets); from another thread, go through {@link Hub#callSoonThreadsafe}.
 */
public final class Event extends Linkable<Event> implements Waitable {
    private final Hub hub;
    private boolean flag;

    /** Creates an unset event on the current hub. */
    public Event() {
        this.hub = Hub.current();
    }

    /** {@return true if set} */
    public boolean isSet() {
        return flag;
    }

    @Override
    public boolean ready() {
        return flag;
    }

    /** Sets the flag and wakes every waiter (they run on the hub's next turns, FIFO). */
    public void set() {
        hub.checkInHub(this);
        if (!flag) {
            flag = true;
            fireLinks();
        }
    }

    /** Resets the flag; later waits block until the next {@link #set()}. */
    public void clear() {
        hub.checkInHub(this);
        flag = false;
    }

    /**
     * Waits until the flag is set (gevent's {@code Event.wait()}).
     *
     * @throws InterruptedException if interrupted
     */
    public void await() throws InterruptedException {
        hub.checkInHub(this);
        if (!flag) {
            awaitReady(null);
        }
    }

    /**
     * Waits until the flag is set or {@code timeout} passes.
     *
     * @param timeout the longest wait, or {@code null}
     * @return true if it is set
     * @throws InterruptedException if interrupted
     */
    public boolean await(Duration timeout) throws InterruptedException {
        hub.checkInHub(this);
        return awaitReady(timeout);
    }

    @Override
    protected boolean isReadyNow() {
        return flag;
    }

    @Override
    protected void reportLinkError(Object context, Throwable error) {
        hub.reportError(context, error);
    }

    @Override
    public void rawlink(Consumer<? super Waitable> callback) {
        hub.checkInHub(this);
        addLink(callback);
    }

    @Override
    public boolean rawunlink(Consumer<? super Waitable> callback) {
        hub.checkInHub(this);
        return removeLink(callback);
    }

    @Override
    public String toString() {
        return "Event[" + (flag ? "set" : "unset") + ", " + linkCount() + " waiting]";
    }
}
