package io.gevent4j;

import io.gevent4j.core.Strand;
import io.gevent4j.internal.loop.Deadline;
import io.gevent4j.internal.loop.TimerHeap;
import io.gevent4j.internal.loop.Waits;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * The waits behind {@link Gevent}'s functions (sleep, joinAll, killAll, wait, iwait, run), which
 * delegate here, and which {@link Hub#close()} uses without going through the façade.
 */
final class Waiting {
    private Waiting() {
    }

    static void sleepNanos(long nanos) throws InterruptedException {
        Strand me = Strand.current();
        if (nanos <= 0) {
            yieldNow(me);
            return;
        }
        Hub hub = Hub.of(me);
        TimerHeap.Timer timer = hub.loop().wakeLater(nanos, me);
        try {
            do {
                me.parkUntil(timer, timer.deadline());
                // A greenlet pinned to its carrier (see Strand.parkUntil) wakes at the deadline without
                // the timer firing, since its hub could not run meanwhile.
            } while (!timer.fired() && !Deadline.passed(timer.deadline()));
        } finally {
            timer.cancel();
        }
    }

    static void yieldNow(Strand me) throws InterruptedException {
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

    static <G extends Greenlet<?>> List<G> joinAll(Collection<G> greenlets, Duration timeout,
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

    static boolean killAll(Collection<? extends Greenlet<?>> greenlets, Throwable error, boolean block,
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
        long deadline = Deadline.after(timeout);
        for (Greenlet<?> g : list) {
            if (!g.join(Deadline.remaining(deadline))) {
                return false;
            }
        }
        return true;
    }

    static <W extends Waitable> List<W> wait(Collection<W> objects, Duration timeout, int count)
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
    static <W extends Waitable> Iterable<W> iwait(Collection<W> objects, Duration timeout) {
        return () -> new IWait<>(new ArrayList<>(objects), timeout);
    }

    private static final class IWait<W extends Waitable> implements Iterator<W>, Consumer<Waitable> {
        private final List<W> objects;
        private final ArrayDeque<W> arrived = new ArrayDeque<>();
        private final Strand waiter = Strand.current();
        private final long deadline;
        private int delivered;
        private boolean linked;
        private boolean linking;

        IWait(List<W> objects, Duration timeout) {
            this.objects = objects;
            this.deadline = Deadline.after(timeout);
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
                Waits.parkUntil(this, Deadline.remaining(deadline), () -> !arrived.isEmpty());
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

    static <T> T run(Callable<T> main) throws Exception {
        Greenlet<T> g = new Greenlet<>(Hub.current(), main).start();
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

}
