package io.gevent4j;

import io.gevent4j.core.GreenletExit;
import io.gevent4j.internal.loop.Waits;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RunnableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The {@link java.util.concurrent.ExecutorService} behind {@link Hub#executor()} and
 * {@link HubGroup#executor()}: each task runs as a greenlet, so its blocking calls (under the agent,
 * plain JDK ones) park only that greenlet. Tasks start in the order they were submitted (FIFO; on a
 * group, in that order on each hub, the hubs taken round-robin). Every method may be called from any
 * thread or greenlet; waits ({@link #awaitTermination}, {@code Future.get}, {@code invokeAll},
 * {@code invokeAny}) park cooperatively on a hub, so they may be called on the executor's own hub too.
 *
 * <h2>Life cycle (one field, {@link #state})</h2>
 * <pre>
 *   RUNNING --shutdown()/shutdownNow()--> SHUTDOWN --last task ends--> TERMINATED
 *   RUNNING --shutdown() with no task--------------------------------> TERMINATED
 * </pre>
 * Submissions are accepted only while RUNNING (else {@link RejectedExecutionException}). A task counts
 * from its submission until its greenlet dies (or, never started, until {@code shutdownNow} takes it
 * back), so TERMINATED means no task of this executor is queued or running.
 * {@code shutdownNow} kills the running greenlets with {@link GreenletExit} (they die at their next
 * wait) and returns the tasks that never started.
 */
final class GreenletExecutor extends AbstractExecutorService {
    private static final int RUNNING = 0;
    private static final int SHUTDOWN = 1;
    private static final int TERMINATED = 2;
    private static final AtomicLong IDS = new AtomicLong();

    private final String name;
    /** The hub the next task goes to. */
    private final Supplier<Hub> placement;
    /** Whether the hubs behind {@link #placement} still take work. */
    private final Supplier<Boolean> placementOpen;
    private final AtomicInteger state = new AtomicInteger(RUNNING);
    /** Tasks submitted and not yet ended (see the class comment). */
    private final AtomicInteger live = new AtomicInteger();
    private final Set<Task> tasks = ConcurrentHashMap.newKeySet();
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();

    private GreenletExecutor(String owner, Supplier<Hub> placement, Supplier<Boolean> placementOpen) {
        this.name = "GreenletExecutor-" + IDS.incrementAndGet() + "[" + owner + "]";
        this.placement = placement;
        this.placementOpen = placementOpen;
    }

    /** An executor whose tasks run on {@code hub}. */
    static GreenletExecutor on(Hub hub) {
        Objects.requireNonNull(hub, "hub");
        return new GreenletExecutor(hub.toString(), () -> hub, () -> !hub.isClosed());
    }

    /** An executor whose tasks are spread over the hubs of {@code group}, round-robin. */
    static GreenletExecutor on(HubGroup group) {
        Objects.requireNonNull(group, "group");
        return new GreenletExecutor(group.toString(), group::nextHub, () -> !group.isClosed());
    }

    // ---- one task ----------------------------------------------------------------------------

    /**
     * A submitted command and its greenlet. Phase: NEW -> STARTED (its greenlet runs the command) ->
     * ENDED (the greenlet died), or NEW -> ENDED (taken back by shutdownNow, or killed before it ran).
     */
    private final class Task implements Callable<Void> {
        static final int NEW = 0;
        static final int STARTED = 1;
        static final int ENDED = 2;

        final Runnable command;
        final AtomicInteger phase = new AtomicInteger(NEW);
        volatile Greenlet<Void> greenlet;

        Task(Runnable command) {
            this.command = command;
        }

        /** Spawns the greenlet; on the target hub. */
        void spawnHere() {
            if (phase.get() != NEW) {
                return; // taken back by shutdownNow before its hub got to it
            }
            Greenlet<Void> g = Gevent.spawn(this);
            greenlet = g;
            // a raw link runs as the greenlet dies, also when it is killed before it ran
            g.rawlink(dead -> end());
        }

        @Override
        public Void call() {
            if (phase.compareAndSet(NEW, STARTED)) {
                command.run(); // an exception fails the greenlet, which reports it as gevent does
            }
            return null;
        }

        /** Ends the task, once: its greenlet died (before or after it ran the command). */
        void end() {
            int p = phase.get();
            while (p != ENDED) {
                if (phase.compareAndSet(p, ENDED)) {
                    ended();
                    return;
                }
                p = phase.get();
            }
        }

        /** shutdownNow: ends the task if it has not started, and says so. */
        boolean takeBack() {
            if (phase.compareAndSet(NEW, ENDED)) {
                ended();
                return true;
            }
            return false;
        }

        private void ended() {
            tasks.remove(this);
            taskEnded();
        }
    }

    @Override
    public void execute(Runnable command) {
        Objects.requireNonNull(command, "command");
        live.incrementAndGet();
        if (state.get() != RUNNING) {
            taskEnded();
            throw new RejectedExecutionException("gevent4j: " + this + " is shut down and takes no more tasks;"
                    + " submit to a new executor (Hub.executor() / HubGroup.executor())");
        }
        Hub hub;
        try {
            if (!placementOpen.get()) {
                throw new IllegalStateException("its hub is closed");
            }
            hub = placement.get();
        } catch (RuntimeException closed) {
            taskEnded();
            throw new RejectedExecutionException("gevent4j: " + this + " cannot run the task: " + closed.getMessage()
                    + "; the executor's hubs must be running (a closed Hub or HubGroup runs nothing)", closed);
        }
        Task task = new Task(command);
        tasks.add(task);
        if (hub.inHub()) {
            task.spawnHere();
        } else {
            hub.callSoonThreadsafe(task::spawnHere);
        }
    }

    private void taskEnded() {
        if (live.decrementAndGet() == 0 && state.get() == SHUTDOWN) {
            terminate();
        }
    }

    private void terminate() {
        if (state.compareAndSet(SHUTDOWN, TERMINATED)) {
            terminated.complete(null);
        }
    }

    // ---- life cycle --------------------------------------------------------------------------

    @Override
    public void shutdown() {
        state.compareAndSet(RUNNING, SHUTDOWN);
        if (live.get() == 0) {
            terminate();
        }
    }

    @Override
    public List<Runnable> shutdownNow() {
        shutdown();
        List<Runnable> neverStarted = new ArrayList<>();
        for (Task task : new ArrayList<>(tasks)) {
            Greenlet<Void> g = task.greenlet;
            if (task.takeBack()) {
                neverStarted.add(task.command);
            }
            if (g != null) {
                try {
                    g.kill(new GreenletExit(this + " was shut down now"), false, null);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // kill(block=false) does not wait; keep the flag
                }
            }
        }
        return neverStarted;
    }

    @Override
    public boolean isShutdown() {
        return state.get() != RUNNING;
    }

    @Override
    public boolean isTerminated() {
        return state.get() == TERMINATED;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        try {
            Waits.await(terminated, Duration.ofNanos(unit.toNanos(timeout)));
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException("unreachable: termination never fails", e);
        }
    }

    // ---- futures whose get() waits cooperatively ---------------------------------------------

    @Override
    protected <T> RunnableFuture<T> newTaskFor(Callable<T> callable) {
        return new CooperativeFuture<>(callable);
    }

    @Override
    protected <T> RunnableFuture<T> newTaskFor(Runnable runnable, T value) {
        return new CooperativeFuture<>(Executors.callable(runnable, value));
    }

    /** A {@link FutureTask} whose {@code get} parks the caller cooperatively when it runs on a hub. */
    private static final class CooperativeFuture<T> extends FutureTask<T> {
        private final CompletableFuture<Void> done = new CompletableFuture<>();

        CooperativeFuture(Callable<T> callable) {
            super(callable);
        }

        @Override
        protected void done() {
            done.complete(null);
        }

        @Override
        public T get() throws InterruptedException, ExecutionException {
            try {
                waitDone(null);
            } catch (TimeoutException e) {
                throw new IllegalStateException("unreachable: no timeout was given", e);
            }
            return super.get();
        }

        @Override
        public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
            waitDone(Duration.ofNanos(unit.toNanos(timeout)));
            return super.get(0, TimeUnit.NANOSECONDS);
        }

        private void waitDone(Duration timeout) throws InterruptedException, TimeoutException {
            try {
                Waits.await(done, timeout);
            } catch (ExecutionException e) {
                throw new IllegalStateException("unreachable: the done marker never fails", e);
            }
        }
    }

    // ---- invokeAny: the first success, waiting cooperatively ---------------------------------

    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> callables) throws InterruptedException, ExecutionException {
        try {
            return invokeAny(callables, null);
        } catch (TimeoutException e) {
            throw new IllegalStateException("unreachable: no timeout was given", e);
        }
    }

    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> callables, long timeout, TimeUnit unit)
            throws InterruptedException, ExecutionException, TimeoutException {
        return invokeAny(callables, Duration.ofNanos(unit.toNanos(timeout)));
    }

    private <T> T invokeAny(Collection<? extends Callable<T>> callables, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        if (callables.isEmpty()) {
            throw new IllegalArgumentException("invokeAny needs at least one task");
        }
        CompletableFuture<T> first = new CompletableFuture<>();
        AtomicInteger failures = new AtomicInteger();
        int n = callables.size();
        List<Future<?>> futures = new ArrayList<>(n);
        try {
            for (Callable<T> c : callables) {
                Objects.requireNonNull(c, "task");
                futures.add(submit(() -> {
                    try {
                        first.complete(c.call());
                    } catch (Throwable e) {
                        if (failures.incrementAndGet() == n) {
                            first.completeExceptionally(e);
                        }
                        if (e instanceof GreenletExit exit) {
                            throw exit;
                        }
                    }
                    return null;
                }));
            }
            return Waits.await(first, timeout);
        } finally {
            for (Future<?> f : futures) {
                f.cancel(true);
            }
        }
    }

    @Override
    public String toString() {
        int s = state.get();
        return name + (s == RUNNING ? "" : s == SHUTDOWN ? ", shut down" : ", terminated");
    }
}
