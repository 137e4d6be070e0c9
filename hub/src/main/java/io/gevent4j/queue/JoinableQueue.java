package io.gevent4j.queue;

import io.gevent4j.core.Strand;
import io.gevent4j.internal.HubLocal;
import io.gevent4j.internal.loop.Deadline;
import io.gevent4j.internal.loop.WaitList;
import io.gevent4j.internal.loop.Waiter;

import java.time.Duration;

/**
 * A FIFO {@link Queue} that counts unfinished tasks (gevent's {@code JoinableQueue}, Python's
 * {@code queue.Queue} task tracking): every item put counts as one unfinished task until a consumer
 * calls {@link #taskDone()} for it; {@link #join()} waits until no task is unfinished.
 * <pre>{@code
 * for (T item : queue) {         // a worker
 *     try {
 *         handle(item);
 *     } finally {
 *         queue.taskDone();
 *     }
 * }
 * ...
 * queue.join();                  // the producer: every item put so far has been handled
 * }</pre>
 * {@link #shutdown(boolean) shutdown(true)} counts the items it discards as done.
 *
 * @param <T> the item type
 */
public class JoinableQueue<T> extends Queue<T> {
    private final WaitList joiners = new WaitList();
    private int unfinished;

    /** An unbounded joinable queue on the current hub. */
    public JoinableQueue() {
        this(0);
    }

    /**
     * A joinable queue of at most {@code maxsize} items.
     *
     * @param maxsize the most items it holds; zero or less means unbounded
     */
    public JoinableQueue(int maxsize) {
        super(capacityOf(maxsize), Store.fifo());
    }

    @Override
    void accepted() {
        unfinished++;
    }

    @Override
    void discarded(int n) {
        unfinished = Math.max(0, unfinished - n);
        if (unfinished == 0) {
            joiners.wakeAll();
        }
    }

    /**
     * Marks one item taken from the queue as handled (gevent's {@code task_done}); when none is left
     * unfinished, the greenlets in {@link #join()} wake up.
     *
     * @throws IllegalStateException if called more times than items were put
     */
    public void taskDone() {
        HubLocal.strand(hub, this);
        if (unfinished <= 0) {
            throw new IllegalStateException("gevent4j: taskDone() called more times than items were put in " + this
                    + "; call it once per item taken with get()");
        }
        if (--unfinished == 0) {
            joiners.wakeAll();
        }
    }

    /** {@return the number of items put and not yet marked done (gevent's {@code unfinished_tasks})} */
    public int unfinishedTasks() {
        HubLocal.strand(hub, this);
        return unfinished;
    }

    /**
     * Waits until every item put has been marked done with {@link #taskDone()}.
     *
     * @throws InterruptedException if interrupted
     */
    public void join() throws InterruptedException {
        join(null);
    }

    /**
     * Waits until every item put has been marked done, or {@code timeout} passes.
     *
     * @param timeout the longest wait, or {@code null} for no limit
     * @return true if no task is unfinished
     * @throws InterruptedException if interrupted
     */
    public boolean join(Duration timeout) throws InterruptedException {
        Strand me = HubLocal.strand(hub, this);
        long deadline = Deadline.after(timeout);
        while (unfinished > 0) {
            if (Deadline.passed(deadline)) {
                return false;
            }
            if (!joiners.await(new Waiter(me), this, Deadline.remaining(deadline))) {
                return unfinished == 0;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        String s = super.toString();
        return s.substring(0, s.length() - 1) + ", " + unfinished + " unfinished]";
    }
}
