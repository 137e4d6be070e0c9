package io.gevent4j;

import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@link ThreadFactory} behind {@link HubGroup#threadFactory()}, for frameworks that take a
 * factory for their virtual threads (for example {@code Executors.newThreadPerTaskExecutor}).
 *
 * <p>Each thread it makes is the unstarted virtual thread of a new {@link Greenlet} of the group's next
 * hub (round-robin): once the caller starts it, from any thread, its task runs as that greenlet and
 * cooperates with the hub's other greenlets ({@code Greenlet.current()} is the greenlet, {@code Hub.current()}
 * its hub). The caller keeps the {@code Thread} API (join, interrupt, isAlive); a task that throws is
 * reported as a dead greenlet's exception is, and {@link HubGroup#close()} kills it as any greenlet.
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
        Greenlet<Void> greenlet = new Greenlet<>(group.nextHub(), () -> {
            task.run();
            return null;
        });
        greenlet.name(prefix + count.incrementAndGet());
        return greenlet.unstartedThread();
    }

    @Override
    public String toString() {
        return "GreenletThreadFactory[" + group + "]";
    }
}
