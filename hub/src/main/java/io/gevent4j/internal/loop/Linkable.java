package io.gevent4j.internal.loop;

import io.gevent4j.core.Strand;

import java.time.Duration;
import java.util.ArrayList;
import java.util.function.Consumer;

/**
 * The one waiting base of the objects a greenlet waits for until they become ready (gevent's
 * {@code AbstractLinkable}): an {@code Event}, an {@code AsyncResult}, a {@code Greenlet}. It holds
 * the rawlink callbacks, called synchronously in the order added when the object becomes ready
 * ({@link #fireLinks}); a waiter is one such callback that unparks its strand, and waits with
 * {@link #awaitReady}, the same timed park ({@link Waits#parkUntil}) that queues, locks and pools use
 * through {@link WaitList}. A callback that throws is reported to the loop's error sink and the others
 * still run.
 *
 * <p>Loop thread only. The list is made on first use: an object nobody waits for allocates nothing.
 *
 * @param <S> the type handed to callbacks (the subclass)
 */
public abstract class Linkable<S> {
    /**
     * null, one callback (the common case: one joiner), or an ArrayList of them, in the order added. A
     * callback is a {@code Consumer}, or a {@link Strand} waiting in {@link #awaitReady}, which firing
     * unparks (a waiter then costs no callback object).
     */
    private Object callbacks;

    /** For subclasses. */
    protected Linkable() {
    }

    /** {@return true once ready (callbacks added then run at once)} */
    protected abstract boolean isReadyNow();

    /**
     * Reports a callback's exception (to the error sink of the object's hub).
     *
     * @param context what failed
     * @param error what it threw
     */
    protected abstract void reportLinkError(Object context, Throwable error);

    /**
     * Adds a callback, run when the object becomes ready (at once if it is ready now).
     *
     * @param callback receives the object
     */
    protected final void addLink(Consumer<? super S> callback) {
        if (isReadyNow()) {
            fire(callback);
            return;
        }
        append(callback);
    }

    /** Adds {@code callback} (a Consumer or a Strand) to the list. */
    @SuppressWarnings("unchecked")
    private void append(Object callback) {
        Object c = callbacks;
        if (c == null) {
            callbacks = callback;
        } else if (c instanceof ArrayList<?> list) {
            ((ArrayList<Object>) list).add(callback);
        } else {
            ArrayList<Object> list = new ArrayList<>(4);
            list.add(c);
            list.add(callback);
            callbacks = list;
        }
    }

    /**
     * Removes a callback.
     *
     * @param callback the callback
     * @return true if it was present
     */
    protected final boolean removeLink(Object callback) {
        Object c = callbacks;
        if (c == null) {
            return false;
        }
        if (c == callback) {
            callbacks = null;
            return true;
        }
        return c instanceof ArrayList<?> list && list.remove(callback);
    }

    /** {@return the number of callbacks waiting} */
    protected final int linkCount() {
        Object c = callbacks;
        return c == null ? 0 : c instanceof ArrayList<?> list ? list.size() : 1;
    }

    /** Calls every callback once (callbacks added meanwhile too) and forgets them: the object is ready. */
    protected final void fireLinks() {
        Object c = callbacks;
        if (c == null) {
            return;
        }
        callbacks = null;
        if (c instanceof ArrayList<?> list) {
            for (int i = 0; i < list.size(); i++) {
                fire(list.get(i));
            }
        } else {
            fire(c);
        }
        // callbacks added while firing (ready now, so addLink ran them at once) need nothing more
    }

    @SuppressWarnings("unchecked")
    private void fire(Object callback) {
        try {
            if (callback instanceof Strand waiter) {
                waiter.unpark();
                return;
            }
            ((Consumer<? super S>) callback).accept((S) this);
        } catch (Throwable error) {
            reportLinkError("link of " + this, error);
        }
    }

    /**
     * Parks the current strand until the object is ready or {@code timeout} passes.
     *
     * @param timeout the longest wait, or {@code null} for no limit
     * @return true if it is ready
     * @throws InterruptedException if interrupted
     */
    protected final boolean awaitReady(Duration timeout) throws InterruptedException {
        if (isReadyNow()) {
            return true;
        }
        Strand me = Strand.current();
        append(me); // not ready: fireLinks unparks it
        try {
            if (timeout == null) {
                // the common wait, inline: every frame here stays in the parked greenlet's stack
                do {
                    me.park(this);
                } while (!isReadyNow());
                return true;
            }
            return Waits.parkUntil(this, timeout, this::isReadyNow);
        } finally {
            removeLink(me);
        }
    }
}
