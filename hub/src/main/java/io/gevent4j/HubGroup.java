package io.gevent4j;

import io.gevent4j.internal.loop.Deadline;
import io.gevent4j.internal.loop.Waits;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of hubs, each on a platform thread of its own, that share the spawned greenlets between
 * them: gevent4j's way to use every core, which gevent (one thread) has no counterpart for.
 * <pre>{@code
 * try (HubGroup group = HubGroup.of(Runtime.getRuntime().availableProcessors())) {
 *     List<Greenlet<Integer>> gs = new ArrayList<>();
 *     for (int i = 0; i < 1000; i++) {
 *         int n = i;
 *         gs.add(group.spawn(() -> work(n)));    // round-robin over the hubs
 *     }
 *     for (Greenlet<Integer> g : gs) {
 *         total += g.get();                     // from any thread or greenlet
 *     }
 * }                                             // close(): stops the hubs, joins their threads
 * }</pre>
 *
 * <h2>What is shared</h2>
 * Nothing but the greenlets' results. Each hub is still single-threaded: a greenlet runs from start to
 * end on the hub it was spawned on, and everything it creates (events, queues, locks, pools, timers,
 * greenlets spawned with {@link Gevent#spawn}) belongs to that hub and fails with
 * {@link WrongThreadException} if used from another. What crosses hubs: {@link #spawn}, a greenlet's
 * {@code join}/{@code get}/{@code kill}/{@code toCompletableFuture}, {@link Hub#submit},
 * {@link Hub#callSoonThreadsafe}, and ordinary thread-safe JDK objects (a {@code ConcurrentHashMap},
 * a {@code LinkedBlockingQueue} polled without blocking, a {@code CompletableFuture} awaited with a
 * greenlet's {@code join} or {@code Hub.submit}). See {@code docs/hubgroup.md}.
 *
 * <h2>Threads</h2>
 * The threads are named {@code gevent4j-hubgroup-G-I} and are <b>not daemon</b> threads, as an
 * {@code ExecutorService}'s are not: a group that is never closed keeps the JVM alive, and work in
 * flight is never cut short by the end of {@code main}. Each thread runs its hub's loop
 * ({@link Hub#run()}) until {@link #close()}; a {@link Hub#stop()} of a member hub by anyone else does
 * not end it. All methods of this class may be called from any thread.
 *
 * <h2>Life cycle</h2>
 * <pre>
 *   RUNNING --close()--> CLOSED (spawn fails with IllegalStateException; every member thread ended)
 * </pre>
 * {@link #close()} kills the greenlets still running on the hubs (as {@link Hub#close()} does: they
 * get {@link io.gevent4j.core.GreenletExit}, and those not run yet never run), then joins the threads.
 * Join the work first to let it finish.
 */
public final class HubGroup implements AutoCloseable {
    private static final AtomicInteger GROUP_IDS = new AtomicInteger();

    private final String name;
    private final List<Member> members;
    private final List<Hub> hubs;
    private final AtomicInteger next = new AtomicInteger();
    private volatile boolean closed;

    private HubGroup(int n) {
        this.name = "gevent4j-hubgroup-" + GROUP_IDS.incrementAndGet();
        List<Member> list = new ArrayList<>(n);
        CountDownLatch ready = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            try {
                list.add(new Member(name + "-" + i, ready));
            } catch (RuntimeException | Error e) {
                stopStarted(list); // e.g. "unable to create native thread": do not leave the others running
                throw e;
            }
        }
        this.members = List.copyOf(list);
        boolean interrupted = false;
        while (true) {
            try {
                ready.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the hubs are being created: finish, then restore the flag
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        List<Hub> h = new ArrayList<>(n);
        for (Member m : members) {
            if (m.hub == null) {
                // do not leave the other members' threads running behind a failed constructor
                closed = true;
                for (Member other : members) {
                    other.shutdown();
                }
                throw new IllegalStateException("gevent4j: " + m.thread.getName() + " could not create its hub: "
                        + m.startFailure, m.startFailure);
            }
            h.add(m.hub);
        }
        this.hubs = List.copyOf(h);
    }

    /**
     * Starts {@code n} hubs, each on a new non-daemon platform thread, and returns once every hub runs.
     *
     * @param n the number of hubs; usually {@code Runtime.getRuntime().availableProcessors()}
     * @return the running group
     * @throws IllegalArgumentException if {@code n} is less than 1
     */
    public static HubGroup of(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("HubGroup.of(n) needs at least one hub, got " + n);
        }
        return new HubGroup(n);
    }

    /** {@return the hubs of the group, in order (an unmodifiable list)} */
    public List<Hub> hubs() {
        return hubs;
    }

    /** {@return the number of hubs} */
    public int size() {
        return hubs.size();
    }

    /** {@return true once {@link #close()} has begun} */
    public boolean isClosed() {
        return closed;
    }

    /**
     * The hub the next {@link #spawn} goes to (round-robin), advancing the turn.
     *
     * @return one of {@link #hubs()}
     */
    public Hub nextHub() {
        return hubs.get(nextIndex());
    }

    private int nextIndex() {
        return Math.floorMod(next.getAndIncrement(), members.size());
    }

    /**
     * Spawns {@code task} as a greenlet on the next hub of the group (round-robin). The greenlet runs
     * entirely on that hub. Its {@code join}, {@code get}, {@code kill} and {@code toCompletableFuture}
     * work from any thread or greenlet; its other methods belong to its hub. Called from another
     * thread, the greenlet is returned before its hub has started it ({@link Greenlet#started()} may
     * still be false); it starts on the hub's next turn.
     *
     * @param task what the greenlet runs
     * @param <T> the result type
     * @return the greenlet
     * @throws IllegalStateException if the group is closed
     */
    public <T> Greenlet<T> spawn(Callable<T> task) {
        Objects.requireNonNull(task, "task");
        return members.get(nextIndex()).spawn(task);
    }

    /**
     * Spawns a greenlet that returns nothing on the next hub of the group (see {@link #spawn(Callable)}).
     *
     * @param task what the greenlet runs
     * @return the greenlet
     * @throws IllegalStateException if the group is closed
     */
    public Greenlet<Void> spawn(Gevent.Task task) {
        Objects.requireNonNull(task, "task");
        Member m = members.get(nextIndex());
        return m.start(Greenlet.ofTask(m.hub, task)); // the task as is: no Callable around it
    }

    /**
     * A new {@link java.util.concurrent.ExecutorService} whose tasks run as greenlets spread over the
     * group's hubs (round-robin; FIFO on each hub), for servers that take an executor, e.g. Jetty's
     * {@code QueuedThreadPool.setVirtualThreadsExecutor} (see {@code docs/serving.md}). Any thread.
     *
     * @return a new executor; shutting it down does not close the group
     */
    public java.util.concurrent.ExecutorService executor() {
        return GreenletExecutor.on(this);
    }

    /**
     * A {@link java.util.concurrent.ThreadFactory} for frameworks that take one for their virtual
     * threads: each thread it makes is the unstarted thread of a new {@link Greenlet} on the group's
     * next hub, so that starting it (from any thread) runs its task as that greenlet
     * ({@code Greenlet.current()} in it); {@link #close()} kills it as any greenlet of the group.
     *
     * @return a new factory
     */
    public java.util.concurrent.ThreadFactory threadFactory() {
        return new GreenletThreadFactory(this);
    }

    /**
     * Stops the group: no more spawns are accepted, each hub runs the spawns already handed to it,
     * kills its greenlets ({@link Hub#close()}), and its thread ends; this waits for every thread.
     * Calling it again does nothing more. It must not be called from a thread or greenlet of the group
     * (it would wait for itself).
     *
     * @throws IllegalStateException if called on one of the group's hubs
     * @throws InterruptedException if interrupted while waiting for the threads; the hubs still stop
     */
    @Override
    public void close() throws InterruptedException {
        Hub here = Hub.currentOrNull();
        for (Member m : members) {
            if (here != null && here == m.hub || Thread.currentThread() == m.thread) {
                throw new IllegalStateException("gevent4j: " + this + ".close() was called on its own hub "
                        + m.thread.getName() + "; it would wait for its own thread to end. Close the group from a"
                        + " thread outside it (the one that created it, say)");
            }
        }
        closed = true;
        for (Member m : members) {
            m.shutdown();
        }
        for (Member m : members) {
            m.thread.join();
        }
    }

    @Override
    public String toString() {
        return "HubGroup[" + name + ", " + members.size() + " hub(s)" + (closed ? ", closed" : "") + "]";
    }

    /** One hub and its thread. */
    /**
     * Stops the members a failed constructor had already started: waits (bounded) until each has its hub,
     * so that its shutdown reaches that hub, then shuts it down.
     */
    private void stopStarted(List<Member> started) {
        closed = true;
        long deadline = Deadline.after(Duration.ofSeconds(10));
        for (Member m : started) {
            while (m.hub == null && m.startFailure == null && !Deadline.passed(deadline)) {
                LockSupport.parkNanos(1_000_000);
            }
            m.shutdown();
        }
    }

    /** How long a closing member waits for the spawns handed over before the close to start. */
    private static final Duration DRAIN_LIMIT = Duration.ofSeconds(10);

    private final class Member implements Runnable {
        final Thread thread;
        private final CountDownLatch ready;
        /** Set by the member thread before {@code ready} counts down. */
        volatile Hub hub;
        volatile Throwable startFailure;
        /** Set by {@link #shutdown()}; the thread leaves its loop once it sees it. */
        private volatile boolean stopping;
        /** Guarded by {@code this}: whether hand-offs are still taken (false once shutdown began). */
        private boolean accepting = true;
        /** Completed on the hub once every hand-off taken before shutdown has run there. */
        private final CompletableFuture<Void> drained = new CompletableFuture<>();

        Member(String threadName, CountDownLatch ready) {
            this.ready = ready;
            this.thread = Thread.ofPlatform().name(threadName).daemon(false).unstarted(this);
            thread.start();
        }

        <T> Greenlet<T> spawn(Callable<T> task) {
            return start(new Greenlet<>(hub, task));
        }

        /** Starts {@code g}, a new greenlet of this member's hub, from any thread. */
        <T> Greenlet<T> start(Greenlet<T> g) {
            Hub h = g.hub();
            if (h.inHub()) {
                checkOpen();
                return g.start();
            }
            // Under the lock: a hand-off is either posted before the shutdown's marker (so the hub starts
            // it, and its close then kills it like any other greenlet) or refused here, never lost.
            synchronized (this) {
                if (!accepting) {
                    throw closedError(h);
                }
                h.callSoonThreadsafe(g::start);
            }
            return g;
        }

        private void checkOpen() {
            if (closed || stopping) {
                throw closedError(hub);
            }
        }

        private IllegalStateException closedError(Hub h) {
            if (!closed && !stopping) {
                // the loop of this hub ended by an error, reported on stderr when it happened
                return new IllegalStateException("gevent4j: the hub " + h + " of " + HubGroup.this + " has stopped after an"
                        + " error (see the report on stderr) and takes no more greenlets; close this group and make a new one");
            }
            return new IllegalStateException("gevent4j: " + HubGroup.this + " is closed (or closing): its hub " + h
                    + " takes no more greenlets; spawn on a live HubGroup, or on this thread's hub with Gevent.spawn");
        }

        void shutdown() {
            Hub h = hub;
            synchronized (this) {
                if (accepting) {
                    accepting = false;
                    stopping = true;
                    if (h != null) {
                        h.callSoonThreadsafe(() -> drained.complete(null));
                    }
                }
            }
            if (h != null) {
                h.stop();
            }
        }

        @Override
        public void run() {
            Hub h;
            try {
                h = Hub.current();
            } catch (Throwable e) {
                startFailure = e;
                synchronized (this) {
                    accepting = false;
                }
                ready.countDown();
                return;
            }
            hub = h;
            ready.countDown();
            try {
                serve(h);
            } catch (RuntimeException | Error e) {
                // reported here, once; the thread then closes its hub and ends, and spawns to it are refused
                h.reportError(thread.getName() + ": the hub's loop", e);
            } finally {
                synchronized (this) {
                    accepting = false; // also when the loop ended by an error
                }
                closeHub(h);
            }
        }

        private void serve(Hub h) {
            while (!stopping) {
                try {
                    h.run();
                } catch (InterruptedException e) {
                    if (!stopping) {
                        h.reportError(thread.getName(), new IllegalStateException("the thread of a HubGroup hub was"
                                + " interrupted; it keeps running its hub until HubGroup.close()", e));
                    }
                }
            }
            long deadline = Deadline.after(DRAIN_LIMIT);
            while (true) {
                try {
                    // run the spawns handed over before the shutdown, so that each becomes a greenlet that
                    // the close below kills, and none is left unstarted with joiners waiting
                    Waits.await(drained, Duration.ofNanos(Math.max(1, Deadline.remainingNanos(deadline))));
                    return;
                } catch (InterruptedException e) {
                    h.reportError(thread.getName(), new IllegalStateException("interrupted while closing; the"
                            + " hub still finishes its close", e));
                } catch (TimeoutException e) {
                    h.reportError(thread.getName(), new IllegalStateException("the spawns handed over before close"
                            + " did not drain within " + DRAIN_LIMIT.toSeconds() + " s; closing the hub anyway", e));
                    return;
                } catch (ExecutionException e) {
                    throw new IllegalStateException("unreachable: the drain marker never fails", e);
                }
            }
        }

        private void closeHub(Hub h) {
            Thread.interrupted(); // an interrupt must not cut the close short
            try {
                h.close();
            } catch (InterruptedException e) {
                h.reportError(thread.getName() + " closing its hub", e);
            }
        }
    }
}
