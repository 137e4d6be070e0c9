package io.gevent4j.pool;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import io.gevent4j.Waitable;
import io.gevent4j.core.GreenletExit;
import io.gevent4j.core.Strand;
import io.gevent4j.internal.HubLocal;
import io.gevent4j.internal.loop.Deadline;
import io.gevent4j.internal.loop.WaitList;
import io.gevent4j.internal.loop.Waiter;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * A set of greenlets managed together (gevent's {@code gevent.pool.Group}): spawn into it, wait for
 * all of them with {@link #join()}, kill them all with {@link #kill()}, or run a function over many
 * items with {@link #map}, {@link #imap} and {@link #imapUnordered}. A greenlet leaves the group when
 * it dies. A {@link Pool} is a group with a bounded number of members.
 *
 * <p>A member's failure is reported as any greenlet's is (printed unless someone observed it);
 * {@link #join(Duration, boolean)} with {@code raiseError} raises it instead, and {@link #map},
 * {@link #imap} and {@link #apply} raise it to their caller.
 *
 * <p>Hub-local: use a group from the hub that created it; another thread gets a
 * {@link WrongThreadException}.
 */
public class Group implements Spawner {
    final Hub hub;
    private final LinkedHashSet<Greenlet<?>> members = new LinkedHashSet<>();
    private final Consumer<Waitable> onDeath = w -> memberDied((Greenlet<?>) w);
    private final WaitList emptyWaiters = new WaitList();
    /** The raiseError joins in progress, which want to hear of each member that fails. */
    private final List<FailureWatch> watches = new ArrayList<>(0);

    /** An empty group on the current hub. */
    public Group() {
        this.hub = Hub.current();
    }

    // ---- slots: a Pool bounds them ---------------------------------------------------------------

    /**
     * Reserves room for one more member; a {@link Pool} waits for it.
     *
     * @param timeout the longest wait, or {@code null}
     * @return true if reserved
     */
    boolean acquireSlot(Duration timeout) throws InterruptedException {
        return true;
    }

    /** Gives back the room of a member that left. */
    void releaseSlot() {
    }

    // ---- spawning --------------------------------------------------------------------------------

    /**
     * Spawns {@code task} as a new member (gevent's {@code group.spawn}). A {@link Pool} waits for
     * room first.
     *
     * @param task what the greenlet runs
     * @param <T> the result type
     * @return the started greenlet
     * @throws InterruptedException if interrupted while a Pool waits for room
     */
    @Override
    public <T> Greenlet<T> spawn(Callable<T> task) throws InterruptedException {
        Objects.requireNonNull(task, "task");
        Strand me = HubLocal.strand(hub, this);
        acquireSlot(null);
        Greenlet<T> g;
        try {
            // a kill that arrived as the room was granted is honoured now: the spawn did not happen
            me.throwPending();
            g = Greenlet.create(task);
        } catch (RuntimeException | Error e) {
            releaseSlot();
            throw e;
        }
        members.add(g);
        g.rawlink(onDeath);
        g.start();
        return g;
    }

    /**
     * Spawns a task that returns nothing as a new member.
     *
     * @param task what the greenlet runs
     * @return the started greenlet
     * @throws InterruptedException if interrupted while a Pool waits for room
     */
    public Greenlet<Void> spawn(Gevent.Task task) throws InterruptedException {
        Objects.requireNonNull(task, "task");
        return spawn(() -> {
            task.run();
            return null;
        });
    }

    /**
     * Adds a greenlet of this hub (started or not) as a member; it leaves when it dies. A {@link Pool}
     * waits for room first. Adding a member again does nothing.
     *
     * @param greenlet the greenlet
     * @throws InterruptedException if interrupted while a Pool waits for room
     * @throws IllegalArgumentException if the greenlet belongs to another hub
     */
    public void add(Greenlet<?> greenlet) throws InterruptedException {
        Objects.requireNonNull(greenlet, "greenlet");
        Strand me = HubLocal.strand(hub, this);
        if (greenlet.hub() != hub) {
            throw new IllegalArgumentException("gevent4j: " + greenlet + " belongs to " + greenlet.hub()
                    + " and cannot join " + this + " of " + hub + "; a group holds greenlets of its own hub only");
        }
        if (members.contains(greenlet)) {
            return;
        }
        acquireSlot(null);
        try {
            me.throwPending(); // a kill that arrived as the room was granted is honoured now
        } catch (RuntimeException | Error e) {
            releaseSlot();
            throw e;
        }
        if (!members.add(greenlet)) {
            releaseSlot(); // added by someone else while this caller waited for room
            return;
        }
        greenlet.rawlink(onDeath); // a dead greenlet leaves again at once
    }

    /**
     * Removes a greenlet from the group without killing it (a {@link Pool} regains its room).
     *
     * @param greenlet the greenlet
     * @return true if it was a member
     */
    public boolean discard(Greenlet<?> greenlet) {
        HubLocal.strand(hub, this);
        if (!members.remove(greenlet)) {
            return false;
        }
        greenlet.rawunlink(onDeath);
        left();
        return true;
    }

    private void memberDied(Greenlet<?> g) {
        if (!members.remove(g)) {
            return;
        }
        if (!watches.isEmpty() && !g.successful()) {
            for (FailureWatch watch : watches) {
                watch.failed(g);
            }
        }
        left();
    }

    private void left() {
        releaseSlot();
        if (members.isEmpty() && !emptyWaiters.isEmpty()) {
            emptyWaiters.wakeAll();
        }
    }

    // ---- state -----------------------------------------------------------------------------------

    /** {@return the number of members (gevent's {@code len(group)})} */
    public int size() {
        HubLocal.strand(hub, this);
        return members.size();
    }

    /**
     * Tells whether a greenlet is in this group.
     *
     * @param greenlet a greenlet
     * @return true if it is a member
     */
    public boolean contains(Greenlet<?> greenlet) {
        HubLocal.strand(hub, this);
        return members.contains(greenlet);
    }

    /** {@return the members, in the order they joined} */
    public List<Greenlet<?>> greenlets() {
        HubLocal.strand(hub, this);
        return List.copyOf(members);
    }

    /** {@return true if a spawn would wait for room; never for a plain group} */
    public boolean full() {
        HubLocal.strand(hub, this);
        return false;
    }

    /** {@return how many more members fit without waiting; {@link Integer#MAX_VALUE} for a plain group} */
    public int freeCount() {
        HubLocal.strand(hub, this);
        return Integer.MAX_VALUE;
    }

    /**
     * Waits until a spawn would not wait (gevent's {@code wait_available}); a plain group never waits.
     *
     * @param timeout the longest wait, or {@code null}
     * @return the number of free places: positive, or 0 on timeout
     * @throws InterruptedException if interrupted
     */
    public int waitAvailable(Duration timeout) throws InterruptedException {
        return freeCount();
    }

    // ---- join and kill ---------------------------------------------------------------------------

    /**
     * Waits until the group is empty: every member, including those spawned meanwhile, has died.
     *
     * @throws InterruptedException if interrupted
     */
    public void join() throws InterruptedException {
        join(null, false);
    }

    /**
     * Waits until the group is empty or {@code timeout} passes (gevent's
     * {@code join(timeout, raise_error)}).
     *
     * @param timeout the longest wait, or {@code null}
     * @param raiseError if true, and a member died with an exception during the wait, that exception
     *                   (the first one) is raised once the wait ends, as is if unchecked, else wrapped
     *                   in {@link CompletionException}; it is then not printed
     * @return true if the group is empty
     * @throws InterruptedException if interrupted
     * @throws IllegalStateException if called from one of the members (it would wait for itself)
     */
    public boolean join(Duration timeout, boolean raiseError) throws InterruptedException {
        Strand me = HubLocal.strand(hub, this);
        if (Greenlet.current() instanceof Greenlet<?> g && members.contains(g)) {
            throw new IllegalStateException("gevent4j: " + g + " cannot join " + this
                    + ", of which it is a member: it would wait for itself forever");
        }
        FailureWatch watch = null;
        if (raiseError) {
            watch = new FailureWatch();
            watches.add(watch);
        }
        try {
            long deadline = Deadline.after(timeout);
            while (!members.isEmpty()) {
                if (Deadline.passed(deadline)) {
                    break;
                }
                if (!emptyWaiters.await(new Waiter(me), this, Deadline.remaining(deadline))) {
                    break;
                }
            }
        } finally {
            if (watch != null) {
                watches.remove(watch);
            }
        }
        if (watch != null && watch.first != null) {
            throw rethrowable(watch.first);
        }
        return members.isEmpty();
    }

    /** Collects the first failure among the members that die during one raiseError join. */
    private static final class FailureWatch {
        Throwable first;

        void failed(Greenlet<?> g) {
            Throwable e = g.exception(); // observed: the join raises it, so it is not printed
            if (first == null) {
                first = e;
            }
        }
    }

    static RuntimeException rethrowable(Throwable failure) {
        if (failure instanceof RuntimeException || failure instanceof Error) {
            throw Strand.<RuntimeException>sneakyThrow(failure);
        }
        return new CompletionException(failure);
    }

    /**
     * Kills every member with {@link GreenletExit} and waits until they are dead.
     *
     * @throws InterruptedException if interrupted
     */
    public void kill() throws InterruptedException {
        kill(new GreenletExit("killed with its group"), true, null);
    }

    /**
     * Raises {@code error} in every member (gevent's {@code group.kill(exception, block, timeout)}),
     * including members spawned while waiting, until the group is empty. The calling greenlet is
     * skipped if it is a member.
     *
     * @param error what to raise in each; {@link GreenletExit} ends them quietly
     * @param block whether to wait until they are dead
     * @param timeout the longest wait when blocking, or {@code null}
     * @return true if no member other than the caller is left
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean kill(Throwable error, boolean block, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(error, "error");
        HubLocal.strand(hub, this);
        Greenlet<?> me = Greenlet.current();
        long deadline = Deadline.after(timeout);
        Set<Greenlet<?>> dying = new HashSet<>();
        while (true) {
            List<Greenlet<?>> targets = new ArrayList<>(members.size());
            for (Greenlet<?> g : members) {
                if (g != me) {
                    targets.add(g);
                }
            }
            if (targets.isEmpty()) {
                return true;
            }
            for (Greenlet<?> g : targets) {
                if (dying.add(g)) {
                    g.kill(error, false, null);
                }
            }
            if (!block) {
                return targets.stream().allMatch(Greenlet::dead);
            }
            if (Deadline.passed(deadline)) {
                return false;
            }
            Gevent.joinAll(targets, Deadline.remaining(deadline));
        }
    }

    // ---- apply and map ---------------------------------------------------------------------------

    /**
     * Runs {@code task} in a member greenlet and waits for its result (gevent's {@code apply}). Called
     * from a member, it runs the task directly, since a full pool could otherwise wait for itself.
     *
     * @param task the work
     * @param <T> the result type
     * @return its result
     * @throws Exception exactly what the task threw; {@link CancellationException} if it was killed
     */
    public <T> T apply(Callable<T> task) throws Exception {
        Strand me = HubLocal.strand(hub, this);
        if (Greenlet.current() instanceof Greenlet<?> g && members.contains(g)) {
            return task.call();
        }
        Greenlet<T> g = spawn(task);
        g.join();
        Throwable failure = g.exception();
        if (failure != null) {
            throw Strand.<Exception>sneakyThrow(failure);
        }
        if (g.killed()) {
            throw new CancellationException("gevent4j: " + g.name() + " was killed before it produced a result");
        }
        return g.value();
    }

    /**
     * Spawns {@code task} as a member without waiting for it (gevent's {@code apply_async}).
     *
     * @param task the work
     * @param <T> the result type
     * @return the greenlet
     * @throws InterruptedException if interrupted while a Pool waits for room
     */
    public <T> Greenlet<T> applyAsync(Callable<T> task) throws InterruptedException {
        return applyAsync(task, null);
    }

    /**
     * Spawns {@code task} as a member; {@code callback} receives its result on the hub if it succeeds
     * (gevent's {@code apply_async(func, callback=...)}). Called from a member of a full pool, it
     * returns at once: a helper greenlet outside the pool waits for room and then runs the task in it.
     *
     * @param task the work
     * @param callback receives the result, or {@code null}; it must not block
     * @param <T> the result type
     * @return the greenlet whose value is the task's result
     * @throws InterruptedException if interrupted while a Pool waits for room
     */
    public <T> Greenlet<T> applyAsync(Callable<T> task, Consumer<? super T> callback) throws InterruptedException {
        Objects.requireNonNull(task, "task");
        Strand me = HubLocal.strand(hub, this);
        Greenlet<T> g;
        if (Greenlet.current() instanceof Greenlet<?> cur && members.contains(cur) && full()) {
            g = Gevent.spawn(() -> apply(task));
        } else {
            g = spawn(task);
        }
        if (callback != null) {
            g.linkValue(done -> callback.accept(done.value()));
        }
        return g;
    }

    /**
     * Calls {@code fn} on every item, each in its own member greenlet, and returns the results in the
     * order of the items (gevent's {@code map}). A {@link Pool} runs at most its size at once.
     *
     * @param fn the function
     * @param items the items
     * @param <A> the item type
     * @param <R> the result type
     * @return the results, in item order
     * @throws InterruptedException if interrupted
     * @throws CompletionException wrapping the first failure (in item order) if it is checked; an
     *         unchecked failure is raised as is; {@link CancellationException} if a call was killed
     */
    public <A, R> List<R> map(ThrowingFunction<? super A, ? extends R> fn, Iterable<? extends A> items)
            throws InterruptedException {
        MapRun<A, R> run = new MapRun<>(this, fn, items, true, 0);
        List<R> results = new ArrayList<>();
        try {
            while (run.advance()) {
                results.add(run.take());
            }
        } catch (Throwable t) {
            run.stop();
            throw t;
        }
        return results;
    }

    /**
     * Calls {@code fn} on every item, each in its own member greenlet, and yields the results lazily in
     * item order (gevent's {@code imap}). The calls start at once (when the caller next waits) and run
     * as the group allows; iterating waits for the next result in order. A failed call is raised from
     * {@code next()} in its turn (as is if unchecked, else wrapped in {@link CompletionException}) and
     * ends the iteration; calls not started yet are not started. The result may be iterated once; an
     * interrupt ends the iteration and leaves the interrupt status set.
     *
     * @param fn the function
     * @param items the items, read as the calls are spawned
     * @param <A> the item type
     * @param <R> the result type
     * @return the results, once
     */
    public <A, R> Iterable<R> imap(ThrowingFunction<? super A, ? extends R> fn, Iterable<? extends A> items) {
        return imap(fn, items, 0);
    }

    /**
     * {@link #imap(ThrowingFunction, Iterable)} with at most {@code maxsize} results finished but not
     * yet consumed (or running): the calls wait for the consumer beyond that.
     *
     * @param fn the function
     * @param items the items
     * @param maxsize the most results ahead of the consumer, or 0 for no limit
     * @param <A> the item type
     * @param <R> the result type
     * @return the results, once
     */
    public <A, R> Iterable<R> imap(ThrowingFunction<? super A, ? extends R> fn, Iterable<? extends A> items,
                                   int maxsize) {
        return new MapRun<A, R>(this, fn, items, true, maxsize).once();
    }

    /**
     * Like {@link #imap(ThrowingFunction, Iterable)} but yields the results in the order the calls
     * finish (gevent's {@code imap_unordered}).
     *
     * @param fn the function
     * @param items the items
     * @param <A> the item type
     * @param <R> the result type
     * @return the results, once, in completion order
     */
    public <A, R> Iterable<R> imapUnordered(ThrowingFunction<? super A, ? extends R> fn,
                                            Iterable<? extends A> items) {
        return imapUnordered(fn, items, 0);
    }

    /**
     * {@link #imapUnordered(ThrowingFunction, Iterable)} with at most {@code maxsize} results ahead of
     * the consumer.
     *
     * @param fn the function
     * @param items the items
     * @param maxsize the most results ahead of the consumer, or 0 for no limit
     * @param <A> the item type
     * @param <R> the result type
     * @return the results, once, in completion order
     */
    public <A, R> Iterable<R> imapUnordered(ThrowingFunction<? super A, ? extends R> fn,
                                            Iterable<? extends A> items, int maxsize) {
        return new MapRun<A, R>(this, fn, items, false, maxsize).once();
    }

    /** The member count without the hub check, for {@code toString} in dumps made elsewhere. */
    int memberCount() {
        return members.size();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + members.size() + " member(s)]";
    }
}
