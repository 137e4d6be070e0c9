package io.gevent4j.core.internal;

import java.util.function.Supplier;
import java.util.stream.Stream;

import jdk.internal.vm.ThreadContainer;
import jdk.internal.vm.ThreadContainers;

/**
 * The JDK thread container of one carrier: its greenlets are started in it instead of the JDK's shared
 * root container, whose {@code ConcurrentHashMap} of every virtual thread costs each spawn an insert
 * and each exit a removal (about a quarter of a spawn). Starting and ending happen on the carrier only,
 * and the carrier already keeps a list of its live strands, so this container stores nothing: it
 * reports that list's threads, which is what thread dumps ({@code jcmd Thread.dump_to_file}) walk.
 *
 * <p>Loaded only by {@link JdkSupport}, and only once {@code jdk.internal.vm} is exported to this
 * module: linking this class needs its superclass to be accessible.
 */
final class CarrierThreadContainer extends ThreadContainer {
    private final String name;
    private final Supplier<Stream<Thread>> threads;

    CarrierThreadContainer(String name, Supplier<Stream<Thread>> threads) {
        super(true); // shared: no owner thread, like a thread pool's container
        this.name = name;
        this.threads = threads;
        // registered (weakly) so that thread dumps find it as a child of the root container
        ThreadContainers.registerContainer(this);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Thread owner() {
        return null;
    }

    @Override
    public Stream<Thread> threads() {
        // the carrier's list holds greenlets started elsewhere too (a GreenletThreadFactory's, started by
        // the JDK's Thread.start in the root container): list only ours, or dumps would show those twice
        return threads.get().filter(t -> ThreadContainers.container(t) == this);
    }
}
