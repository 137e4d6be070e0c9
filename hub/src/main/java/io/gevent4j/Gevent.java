package io.gevent4j;

import io.gevent4j.core.GreenletExit;
import io.gevent4j.internal.scope.ThreadStartScope;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;

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
        return Greenlet.ofTask(Hub.current(), task).start();
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
        return Greenlet.ofTask(Hub.current(), task).startLater(delay);
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
        Waiting.sleepNanos(nanos);
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
        return Waiting.joinAll(greenlets, timeout, raiseError, count);
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
        return Waiting.killAll(greenlets, error, block, timeout);
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
        return Waiting.wait(objects, timeout, count);
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
        return Waiting.iwait(objects, timeout);
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
        return Waiting.run(main);
    }

    /**
     * Runs {@code action} here, and starts each platform thread that it starts meanwhile on this
     * thread (itself, or deep inside JDK or library code it calls: a server's dispatcher thread, say) as
     * a greenlet of the current hub instead: the thread's {@code run()} then runs in that greenlet,
     * and its blocking calls cooperate with the hub's other greenlets. A targeted, scoped form of the
     * agent's opt-in {@code threads} patch (gevent's {@code patch_thread}), for a library that starts its
     * own threads and offers no {@code ThreadFactory}.
     *
     * <p>It needs the gevent4j agent or the patched launch (patch {@code threadscope}, on by default):
     * without them the threads stay platform threads and the list is empty, so a caller can keep its
     * usual path as the fallback. Threads of the JDK's own {@code Thread} subclasses (its system
     * threads) stay threads; a greenlet spawned inside {@code action} is not in the scope. The
     * {@code Thread} objects of converted threads are never started: {@code join} and {@code isAlive}
     * on them do not see the greenlet unless the {@code threads} patch is on too, so join the returned
     * greenlets instead.
     *
     * @param action what to run
     * @return the greenlets the started threads became, in start order; empty without the agent
     * @throws Exception what {@code action} threw
     */
    public static List<Greenlet<?>> startThreadsAsGreenlets(Task action) throws Exception {
        Objects.requireNonNull(action, "action");
        Hub.current(); // the hub the greenlets go to, made now on a plain thread
        ThreadStartScope outer = ThreadStartScope.current();
        ThreadStartScope scope = ThreadStartScope.begin();
        List<Object> started;
        try {
            action.run();
        } finally {
            started = scope.end();
            if (outer != null) {
                // back to the outer scope, which also owns what this one started
                for (Object g : started) {
                    outer.started(g);
                }
                ThreadStartScope.resume(outer);
            }
        }
        List<Greenlet<?>> greenlets = new ArrayList<>(started.size());
        for (Object g : started) {
            greenlets.add((Greenlet<?>) g);
        }
        return greenlets;
    }

    /**
     * Describes every hub and greenlet of the process with stacks (gevent's {@code format_run_info}).
     *
     * @return the description
     */
    public static String formatRunInfo() {
        return HubInspector.formatRunInfoAll();
    }
}
