package io.gevent4j;

import io.gevent4j.core.GreenletExit;
import io.gevent4j.core.Strand;
import io.gevent4j.internal.TimerHeap;
import io.gevent4j.internal.Waits;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * The gevent API in Java shape: {@code spawn}, {@code joinAll}, {@code killAll}, {@code sleep},
 * {@code wait}/{@code iwait}, {@code withTimeout}, {@code run}.
 *
 * <p>Greenlets run only while the thread that owns their hub blocks in a gevent4j call, as in gevent:
 * <pre>{@code
 * var a = Gevent.spawn(() -> fetch("a"));
 * var b = Gevent.spawn(() -> fetch("b"));
 * Gevent.joinAll(List.of(a, b));     // both run here
 * }</pre>
 * Blocking calls throw {@link InterruptedException} like the JDK's when the waiting thread (or
 * greenlet) is interrupted.
 */
public final class Gevent {
    private Gevent() {
    }

    /** A task for {@link #spawn(Task)}: a {@link Runnable} that may throw. */
    @FunctionalInterface
    public interface Task {
        /**
         * Runs the task.
         *
         * @throws Exception anything; it fails the greenlet
         */
        void run() throws Exception;
    }

    /**
     * Spawns a greenlet on the current hub; it runs once the current thread blocks in the hub, after
     * the greenlets already ready (FIFO).
     *
     * @param task what it runs
     * @param <T> the result type
     * @return the started greenlet
     */
    public static <T> Greenlet<T> spawn(Callable<T> task) {
        return new Greenlet<>(Hub.current(), task).start();
    }

    /**
     * Spawns a greenlet that returns nothing.
     *
     * @param task what it runs
     * @return the started greenlet
     */
    public static Greenlet<Void> spawn(Task task) {
        Objects.requireNonNull(task, "task");
        return spawn(() -> {
            task.run();
            return null;
        });
    }

    /**
     * Spawns a greenlet that starts after {@code delay}.
     *
     * @param delay how long from now
     * @param task what it runs
     * @param <T> the result type
     * @return the greenlet, started later
     */
    public static <T> Greenlet<T> spawnLater(Duration delay, Callable<T> task) {
        return new Greenlet<>(Hub.current(), task).startLater(delay);
    }

    /**
     * Spawns a greenlet returning nothing that starts after {@code delay}.
     *
     * @param delay how long from now
     * @param task what it runs
     * @return the greenlet, started later
     */
    public static Greenlet<Void> spawnLater(Duration delay, Task task) {
        Objects.requireNonNull(task, "task");
        return spawnLater(delay, () -> {
            task.run();
            return null;
        });
    }

    /** {@return the current greenlet, or {@code null} outside greenlets (gevent's {@code getcurrent()})} */
    public static Greenlet<?> getCurrent() {
        return Greenlet.current();
    }

    // ---- sleep -------------------------------------------------------------------------------

    /**
     * Sleeps cooperatively: other greenlets run meanwhile. {@code sleep(Duration.ZERO)} lets every other
     * ready greenlet run once and comes back.
     *
     * @param duration how long
     * @throws InterruptedException if interrupted
     */
    public static void sleep(Duration duration) throws InterruptedException {
        sleepNanos(duration.toNanos());
    }

    /**
     * Sleeps cooperatively for {@code millis} milliseconds; {@code sleep(0)} yields to the other ready
     * greenlets.
     *
     * @param millis how long
     * @throws InterruptedException if interrupted
     */
    public static void sleep(long millis) throws InterruptedException {
        sleepNanos(Math.multiplyExact(millis, 1_000_000L));
    }

    /**
     * Sleeps cooperatively for {@code nanos} nanoseconds (the agent's {@code Thread.sleep} ends here).
     *
     * @param nanos how long; zero or less yields
     * @throws InterruptedException if interrupted
     */
    public static void sleepNanos(long nanos) throws InterruptedException {
        Strand me = Strand.current();
        if (nanos <= 0) {
            yieldNow(me);
            return;
        }
        Hub hub = Hub.of(me);
        TimerHeap.Timer timer = hub.wakeLater(nanos, me);
        try {
            do {
                me.parkUntil(timer, timer.deadline());
                // A greenlet pinned to its carrier (see Strand.parkUntil) wakes at the deadline without
                // the timer firing, since its hub could not run meanwhile.
            } while (!timer.fired() && timer.deadline() - System.nanoTime() > 0);
        } finally {
            timer.cancel();
        }
    }

    private static void yieldNow(Strand me) throws InterruptedException {
        if (me.isRoot()) {
            // loop on our own flag: a stale wake-up must not end the yield before the others ran
            boolean[] resumed = new boolean[1];
            Hub.of(me).callSoon(() -> {
                resumed[0] = true;
                me.unpark();
            });
            do {
                me.park("sleep(0)");
            } while (!resumed[0]);
            return;
        }
        // On a greenlet the JDK's yield re-submits its continuation to the end of the hub's ready queue.
        Thread.yield();
        me.throwPending();
        if (Thread.interrupted()) {
            throw new InterruptedException(me.name() + " was interrupted in sleep(0)");
        }
    }

    // ---- joinAll / killAll -------------------------------------------------------------------

    /**
     * Waits for every greenlet to die.
     *
     * @param greenlets the greenlets
     * @param <G> the greenlet type
     * @return the greenlets in the order they finished
     * @throws InterruptedException if interrupted
     */
    public static <G extends Greenlet<?>> List<G> joinAll(Collection<G> greenlets) throws InterruptedException {
        return joinAll(greenlets, null, false, greenlets.size());
    }

    /**
     * Waits for every greenlet to die or {@code timeout} to pass.
     *
     * @param greenlets the greenlets
     * @param timeout the longest wait, or {@code null}
     * @param <G> the greenlet type
     * @return those that finished, in the order they finished
     * @throws InterruptedException if interrupted
     */
    public static <G extends Greenlet<?>> List<G> joinAll(Collection<G> greenlets, Duration timeout)
            throws InterruptedException {
        return joinAll(greenlets, timeout, false, greenlets.size());
    }

    /**
     * gevent's {@code joinall(greenlets, timeout, raise_error, count)}.
     *
     * @param greenlets the greenlets
     * @param timeout the longest wait, or {@code null}
     * @param raiseError if true, the first failure is raised at once (a checked exception wrapped in
     *                   {@link CompletionException}), and the failures are not printed
     * @param count return once this many have finished
     * @param <G> the greenlet type
     * @return those that finished, in the order they finished
     * @throws InterruptedException if interrupted
     */
    public static <G extends Greenlet<?>> List<G> joinAll(Collection<G> greenlets, Duration timeout,
                                                          boolean raiseError, int count) throws InterruptedException {
        Strand me = Strand.current();
        Hub hub = Hub.of(me);
        List<G> done = new ArrayList<>(greenlets.size());
        int wanted = Math.min(count, greenlets.size());
        JoinAll<G> waiter = new JoinAll<>(me, done, wanted, raiseError);
        for (G g : greenlets) {
            g.hub().checkInHub(g); // a greenlet of another hub cannot be linked from here
            if (raiseError) {
                g.markObserved();
            }
            if (g.dead()) {
                waiter.accept(g);
            }
        }
        if (waiter.finished()) {
            return waiter.result();
        }
        for (G g : greenlets) {
            if (!g.dead()) {
                linkWaiter(g, waiter);
            }
        }
        try {
            Waits.parkUntil(waiter, timeout, waiter::finished);
        } finally {
            for (G g : greenlets) {
                g.unlinkInternal(waiter);
            }
        }
        return waiter.result();
    }

    @SuppressWarnings("unchecked")
    private static <G extends Greenlet<?>> void linkWaiter(G g, Consumer<? super G> waiter) {
        ((Greenlet<Object>) g).linkInternal((Consumer<? super Greenlet<Object>>) (Consumer<?>) waiter);
    }

    private static final class JoinAll<G extends Greenlet<?>> implements Consumer<G> {
        private final Strand waiter;
        private final List<G> done;
        private final int wanted;
        private final boolean raiseError;
        private Throwable failure;

        JoinAll(Strand waiter, List<G> done, int wanted, boolean raiseError) {
            this.waiter = waiter;
            this.done = done;
            this.wanted = wanted;
            this.raiseError = raiseError;
        }

        @Override
        public void accept(G g) {
            done.add(g);
            // failure() does not mark the exception observed: a plain joinAll still lets it be printed
            if (raiseError && failure == null && g.failure() != null) {
                failure = g.failure();
            }
            if (finished()) {
                waiter.unpark();
            }
        }

        boolean finished() {
            return done.size() >= wanted || failure != null;
        }

        List<G> result() {
            if (failure != null) {
                if (failure instanceof RuntimeException || failure instanceof Error) {
                    throw Strand.<RuntimeException>sneakyThrow(failure);
                }
                throw new CompletionException(failure);
            }
            return done;
        }

        @Override
        public String toString() {
            return "joinAll (" + done.size() + " of " + wanted + " finished)";
        }
    }

    /**
     * Kills every greenlet with {@link GreenletExit} and waits for them to die.
     *
     * @param greenlets the greenlets
     * @throws InterruptedException if interrupted
     */
    public static void killAll(Collection<? extends Greenlet<?>> greenlets) throws InterruptedException {
        killAll(greenlets, new GreenletExit(), true, null);
    }

    /**
     * gevent's {@code killall(greenlets, exception, block, timeout)}.
     *
     * @param greenlets the greenlets
     * @param error what to raise in each
     * @param block whether to wait for them to die
     * @param timeout the longest wait, or {@code null}
     * @return true if all are dead when this returns
     * @throws InterruptedException if interrupted
     */
    public static boolean killAll(Collection<? extends Greenlet<?>> greenlets, Throwable error, boolean block,
                                  Duration timeout) throws InterruptedException {
        Greenlet<?> self = Greenlet.current();
        List<Greenlet<?>> list = new ArrayList<>(greenlets.size());
        for (Greenlet<?> g : greenlets) {
            if (g != self) { // the caller does not kill (nor wait for) itself
                list.add(g);
            }
        }
        for (Greenlet<?> g : list) {
            if (!g.dead()) {
                g.kill(error, false, null);
            }
        }
        if (!block) {
            return list.stream().allMatch(Greenlet::dead);
        }
        // join one by one: unlike joinAll this also works for greenlets of other hubs
        long deadline = timeout == null ? 0 : System.nanoTime() + timeout.toNanos();
        for (Greenlet<?> g : list) {
            Duration left = timeout == null ? null : Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
            if (!g.join(left)) {
                return false;
            }
        }
        return true;
    }

    // ---- wait / iwait ------------------------------------------------------------------------

    /**
     * Waits until {@code count} of the objects are ready, or {@code timeout} passes (gevent's
     * {@code wait}).
     *
     * @param objects greenlets, events, async results
     * @param timeout the longest wait, or {@code null}
     * @param count how many to wait for; use {@code objects.size()} for all
     * @param <W> the object type
     * @return those that are ready, in the order they became ready
     * @throws InterruptedException if interrupted
     */
    public static <W extends Waitable> List<W> wait(Collection<W> objects, Duration timeout, int count)
            throws InterruptedException {
        List<W> ready = new ArrayList<>();
        IWait<W> it = new IWait<>(new ArrayList<>(objects), timeout);
        int wanted = Math.min(count, objects.size());
        try {
            while (ready.size() < wanted && it.hasNext()) {
                ready.add(it.next());
            }
        } finally {
            it.unlinkAll(); // those not waited for must not keep a callback to us
        }
        return ready;
    }

    /**
     * Iterates over the objects in the order they become ready (gevent's {@code iwait}, asyncio's
     * {@code as_completed}); iteration ends when all are ready or {@code timeout} has passed since
     * this call. {@code hasNext()} blocks cooperatively; an interrupt ends the iteration and leaves the
     * interrupt status set.
     *
     * @param objects greenlets, events, async results
     * @param timeout the longest wait in total, or {@code null}
     * @param <W> the object type
     * @return an iterable that may be iterated once
     */
    public static <W extends Waitable> Iterable<W> iwait(Collection<W> objects, Duration timeout) {
        return () -> new IWait<>(new ArrayList<>(objects), timeout);
    }

    private static final class IWait<W extends Waitable> implements Iterator<W>, Consumer<Waitable> {
        private final List<W> objects;
        private final ArrayDeque<W> arrived = new ArrayDeque<>();
        private final Strand waiter = Strand.current();
        private final long deadline;
        private final boolean timed;
        private int delivered;
        private boolean linked;
        private boolean linking;

        IWait(List<W> objects, Duration timeout) {
            this.objects = objects;
            this.timed = timeout != null;
            this.deadline = timed ? System.nanoTime() + timeout.toNanos() : 0;
        }

        @Override
        @SuppressWarnings("unchecked")
        public void accept(Waitable w) {
            arrived.add((W) w);
            if (!linking) { // an object ready at rawlink time calls back at once: no wake-up needed
                waiter.unpark();
            }
        }

        void unlinkAll() {
            if (linked) {
                for (W w : objects) {
                    w.rawunlink(this);
                }
            }
        }

        @Override
        public boolean hasNext() {
            if (!linked) {
                linked = true;
                linking = true;
                try {
                    for (W w : objects) {
                        w.rawlink(this);
                    }
                } finally {
                    linking = false;
                }
            }
            if (!arrived.isEmpty()) {
                return true;
            }
            if (delivered == objects.size()) {
                return false;
            }
            try {
                Duration left = timed ? Duration.ofNanos(Math.max(0, deadline - System.nanoTime())) : null;
                Waits.parkUntil(this, left, () -> !arrived.isEmpty());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (arrived.isEmpty()) {
                unlinkAll();
                return false;
            }
            return true;
        }

        @Override
        public W next() {
            if (!hasNext()) {
                throw new NoSuchElementException("iwait: nothing more became ready");
            }
            delivered++;
            return arrived.poll();
        }

        @Override
        public String toString() {
            return "iwait (" + delivered + " of " + objects.size() + " ready)";
        }
    }

    // ---- timeouts and run --------------------------------------------------------------------

    /**
     * Runs {@code task} with a {@link Timeout}; raises the Timeout if it outlives {@code duration}.
     *
     * @param duration the limit
     * @param task the work
     * @param <T> the result type
     * @return its result
     * @throws Exception whatever the task throws, or the {@link Timeout}
     */
    public static <T> T withTimeout(Duration duration, Callable<T> task) throws Exception {
        try (Timeout ignored = Timeout.start(duration)) {
            return task.call();
        }
    }

    /**
     * Runs {@code task} with a {@link Timeout}, returning {@code fallback} if it expires.
     *
     * @param duration the limit
     * @param task the work
     * @param fallback the value on timeout
     * @param <T> the result type
     * @return its result, or the fallback
     * @throws Exception whatever the task throws
     */
    public static <T> T withTimeout(Duration duration, Callable<T> task, T fallback) throws Exception {
        Timeout timeout = Timeout.start(duration);
        try (timeout) {
            return task.call();
        } catch (Timeout t) {
            if (t != timeout) {
                throw t;
            }
            return fallback;
        }
    }

    /**
     * Runs {@code main} in a greenlet on the current thread's hub and drives the hub until it finishes
     * (asyncio's {@code run}). Call it from a platform thread, outside greenlets.
     *
     * @param main the program
     * @param <T> the result type
     * @return its result
     * @throws Exception exactly what {@code main} threw
     */
    public static <T> T run(Callable<T> main) throws Exception {
        Greenlet<T> g = spawn(main);
        g.markObserved();
        g.join();
        Throwable failure = g.exception();
        if (failure != null) {
            throw Strand.<Exception>sneakyThrow(failure);
        }
        if (g.killed()) {
            throw new java.util.concurrent.CancellationException(g.name() + " was killed");
        }
        return g.value();
    }

    /**
     * Describes every hub and greenlet of the process with stacks (gevent's {@code format_run_info}).
     *
     * @return the description
     */
    public static String formatRunInfo() {
        return Hub.formatRunInfoAll();
    }
}
