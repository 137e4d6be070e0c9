package io.gevent4j.internal;

import io.gevent4j.Hub;
import io.gevent4j.Waitable;

import java.util.ArrayList;
import java.util.function.Consumer;

/**
 * The rawlink callbacks of an {@link io.gevent4j.event.Event} or
 * {@link io.gevent4j.event.AsyncResult}: called synchronously, in the order added, when the object
 * becomes ready. A callback that throws is reported by the hub and the others still run.
 */
public final class Links {
    private ArrayList<Consumer<? super Waitable>> callbacks;

    /**
     * @param callback added at the end
     */
    public void add(Consumer<? super Waitable> callback) {
        if (callbacks == null) {
            callbacks = new ArrayList<>(4);
        }
        callbacks.add(callback);
    }

    /**
     * @param callback removed if present
     * @return true if it was present
     */
    public boolean remove(Consumer<? super Waitable> callback) {
        return callbacks != null && callbacks.remove(callback);
    }

    /** {@return the number of callbacks} */
    public int size() {
        return callbacks == null ? 0 : callbacks.size();
    }

    /**
     * Calls every callback with {@code source}; callbacks added meanwhile are called too.
     *
     * @param hub reports a callback's exception
     * @param source what became ready
     */
    public void fire(Hub hub, Waitable source) {
        ArrayList<Consumer<? super Waitable>> list = callbacks;
        if (list == null) {
            return;
        }
        callbacks = null;
        for (int i = 0; i < list.size(); i++) {
            try {
                list.get(i).accept(source);
            } catch (Throwable error) {
                hub.reportError("link of " + source, error);
            }
        }
    }
}
