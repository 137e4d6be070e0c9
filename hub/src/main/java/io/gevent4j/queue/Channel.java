package io.gevent4j.queue;

/**
 * A queue of size zero (gevent's {@code gevent.queue.Channel}, Java's
 * {@link java.util.concurrent.SynchronousQueue}): {@link #put} waits until a getter takes the item,
 * {@link #get} waits until a putter offers one; each item passes straight from one greenlet to the
 * other. A put that finds a getter waiting hands the item over and returns at once; otherwise the
 * putter waits, holding its item, until a getter takes it. Waiting putters and getters are each served
 * in FIFO order.
 *
 * <p>It has no room: {@link #qsize()} is always 0, {@link #empty()} and {@link #full()} always true,
 * {@link #putNowait} succeeds only if a getter is waiting and {@link #getNowait} only if a putter is;
 * {@link #peek()} shows the item of the oldest waiting putter. Shutdown and iteration behave as for
 * {@link Queue}; a shutdown fails the waiting putters, whose items are then not delivered.
 *
 * @param <T> the item type
 */
public class Channel<T> extends Queue<T> {
    /** A channel on the current hub. */
    public Channel() {
        super(0, Store.fifo());
    }

    /** {@return waiting putters minus waiting getters (gevent's {@code Channel.balance})} */
    public int balance() {
        return waitingPutters() - waitingGetters();
    }

    @Override
    Full noRoom() {
        return new Full("gevent4j: no greenlet waits in get() on " + this + "; a Channel hands each item to a waiting"
                + " getter, so putNowait succeeds only when one waits (use put(item) or put(item, timeout) to wait"
                + " for one)");
    }
}
