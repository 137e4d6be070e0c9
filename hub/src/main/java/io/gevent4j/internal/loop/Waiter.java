package io.gevent4j.internal.loop;

import io.gevent4j.core.Strand;

import java.util.function.BooleanSupplier;

/**
 * One strand waiting in a {@link WaitList}: a getter waiting for an item, a putter holding the item it
 * offers, an acquirer waiting for a permit. A waiter is made for one wait and dropped afterwards.
 *
 * <h2>States</h2>
 * <pre>
 *   WAITING --fulfil(item) by another strand--> FULFILLED  (the operation completed: item handed over, permit granted)
 *   WAITING --wake() by another strand--------> WOKEN      (re-check the condition: shutdown, an item to peek at)
 *   WAITING --timeout or exception------------> removed from its list by the waiter itself
 * </pre>
 * As a {@link BooleanSupplier} it answers "may the waiter stop parking?", which is what
 * {@link Waits#parkUntil} needs.
 *
 * <p>A hot primitive may keep a waiter and {@link #reset} it for its next wait once
 * {@link WaitList#await} has returned normally: the list has dropped it by then, and the strand that
 * fulfilled it ran to its own next wait before the waiter's strand could resume (one hub, one thread).
 */
public final class Waiter implements BooleanSupplier {
    static final byte WAITING = 0;
    static final byte FULFILLED = 1;
    static final byte WOKEN = 2;

    Strand strand;
    Object item;
    byte state;
    Waiter prev;
    Waiter next;
    WaitList list;

    /**
     * A waiter for the given strand carrying no item.
     *
     * @param strand the waiting strand, normally {@link Strand#current()}
     */
    public Waiter(Strand strand) {
        this.strand = strand;
    }

    /**
     * A waiter carrying an item (a putter offering it).
     *
     * @param strand the waiting strand
     * @param item what it offers
     */
    public Waiter(Strand strand, Object item) {
        this.strand = strand;
        this.item = item;
    }

    /**
     * Prepares a waiter that finished its previous wait for a new one.
     *
     * @param strand the waiting strand
     * @param item the offered item, or {@code null}
     * @return this waiter
     * @throws IllegalStateException if it still waits in a list
     */
    public Waiter reset(Strand strand, Object item) {
        if (list != null) {
            throw new IllegalStateException(this + " is still waiting in a list and cannot be reused");
        }
        this.strand = strand;
        this.item = item;
        this.state = WAITING;
        return this;
    }

    /** Drops the references of a finished waiter kept for reuse (its strand and item). */
    public void clear() {
        strand = null;
        item = null;
    }

    /** {@return the waiting strand} */
    public Strand strand() {
        return strand;
    }

    /** {@return the item it carries: offered by a putter, or handed over to a getter by {@link WaitList#fulfilFirst}} */
    public Object item() {
        return item;
    }

    /** {@return true once another strand completed the operation for this waiter} */
    public boolean fulfilled() {
        return state == FULFILLED;
    }

    /** {@return true once woken to re-check its condition without being fulfilled} */
    public boolean woken() {
        return state == WOKEN;
    }

    /** {@return true once fulfilled or woken: the waiter may stop parking} */
    @Override
    public boolean getAsBoolean() {
        return state != WAITING;
    }

    @Override
    public String toString() {
        return "waiter " + (strand == null ? "(unused)" : strand.name()) + (state == FULFILLED ? " (fulfilled)" : state == WOKEN ? " (woken)" : "");
    }
}
