package io.gevent4j;

import io.gevent4j.core.Strand;

import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@link ThreadFactory} behind {@link HubGroup#threadFactory()}, for frameworks that take a
 * factory for their virtual threads (for example {@code Executors.newThreadPerTaskExecutor}).
 *
 * <p>Each thread it makes is an unstarted virtual thread scheduled on the group's next hub
 * (round-robin): once the caller starts it, its task runs on that hub and cooperates with the hub's
 * greenlets (its waits park it, the hub runs the others meanwhile; {@code Hub.current()} is that hub).
 * It is a strand of the hub but not a {@link Greenlet} ({@code Greenlet.current()} is {@code null}
 * in it): the caller owns it as a {@code Thread} (start, join, interrupt), and {@link HubGroup#close()}
 * does not kill it, so let such threads end before closing the group.
 */
final class GreenletThreadFactory implements ThreadFactory {
    private static final AtomicLong IDS = new AtomicLong();

    private final HubGroup group;
    private final String prefix;
    private final AtomicLong count = new AtomicLong();

    GreenletThreadFactory(HubGroup group) {
        this.group = Objects.requireNonNull(group, "group");
        this.prefix = "gevent4j-thread-" + IDS.incrementAndGet() + "-";
    }

    @Override
    public Thread newThread(Runnable task) {
        Objects.requireNonNull(task, "task");
        if (group.isClosed()) {
            throw new IllegalStateException("gevent4j: " + group + " is closed; its thread factory makes no more"
                    + " threads. Use the factory of a live HubGroup");
        }
        Thread thread = new ThreadStrand(group.nextHub()).newThread(task);
        thread.setName(prefix + count.incrementAndGet());
        return thread;
    }

    /** The strand of one factory-made thread: the hub's carrier runs it, the caller starts it. */
    private static final class ThreadStrand extends Strand {
        ThreadStrand(Hub hub) {
            super(hub.carrier());
        }

        Thread newThread(Runnable task) {
            return createThread(task);
        }
    }

    @Override
    public String toString() {
        return "GreenletThreadFactory[" + group + "]";
    }
}
