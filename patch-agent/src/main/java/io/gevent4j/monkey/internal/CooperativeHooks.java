package io.gevent4j.monkey.internal;

import io.gevent4j.Gevent;
import io.gevent4j.Hub;
import io.gevent4j.core.Strand;
import io.gevent4j.monkey.boot.Hooks;
import io.gevent4j.monkey.boot.Offloaded;
import io.gevent4j.spi.AgentSupport;

import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.instrument.Instrumentation;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * The agent's hooks, called by the advice in the patched JDK methods: decides, for each patched call,
 * whether the calling thread has a hub and what the cooperative version is. On a thread without a hub
 * every method answers "not handled" and the JDK method runs unchanged.
 */
final class CooperativeHooks implements Hooks {
    /** The JDK's {@code Net.POLLIN}. */
    private static final int POLLIN = 1;
    /** A selector's wait needs no open check: closing a selector wakes it up first. */
    private static final BooleanSupplier ALWAYS_OPEN = () -> true;

    /** {@code FileDescriptor.fd} (the agent opens {@code java.io}). */
    private static final VarHandle FD_VALUE;

    static {
        try {
            FD_VALUE = MethodHandles.privateLookupIn(FileDescriptor.class, MethodHandles.lookup())
                    .findVarHandle(FileDescriptor.class, "fd", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Offload offload;
    final ThreadPatch threads;
    final MainRunner main;

    /**
     * @param options the patches to install
     * @param inst the instrumentation
     * @throws PatchFailure naming the patch if this JDK lacks a method it offloads
     */
    CooperativeHooks(Options options, Instrumentation inst) {
        this.offload = new Offload(options.installed());
        this.threads = new ThreadPatch(options.has(Patches.THREADS), options.has(Patches.THREADSCOPE),
                Patches.THREADS.counter(), Patches.THREADSCOPE.counter());
        this.main = new MainRunner(inst, threads, Patches.MAIN.counter());
    }

    /**
     * In a greenlet: a hub timer. On a hub's own thread outside its loop: runs the loop until the
     * deadline. Inside the loop (a hub callback), on other threads: the JDK's sleep. A greenlet pinned
     * to its carrier (a class initializer, a native frame) takes the hub timer too: its park then
     * blocks the hub's thread, and {@link #pinnedParkNanos} bounds that park by the sleep's deadline;
     * checking for pinning here instead would cost a stack walk on every sleep.
     */
    @Override
    public boolean sleep(long nanos) throws InterruptedException {
        Strand strand = Strand.currentOrNull();
        if (strand == null || (strand.isRoot() && strand.isParkedInHub()) || Hub.currentOrNull() == null) {
            return false;
        }
        Patches.SLEEP.counter().increment();
        Gevent.sleepNanos(nanos);
        return true;
    }

    /**
     * On a hub's own thread outside its loop: one turn of the loop (the other ready greenlets run). In
     * a greenlet the JDK's own yield already does that (the greenlet goes to the back of the hub's
     * ready queue), and {@code Gevent.sleep(0)} relies on it, so it is left alone.
     */
    @Override
    public boolean yieldNow() {
        Strand strand = Strand.currentOrNull();
        if (strand == null || !strand.isRoot() || strand.isParkedInHub() || Hub.currentOrNull() == null) {
            return false;
        }
        Patches.SLEEP.counter().increment();
        try {
            Gevent.sleepNanos(0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return true;
    }

    @Override
    public Offloaded offload(int id, Object self, Object[] args) throws Throwable {
        return offload.call(id, self, args);
    }

    @Override
    public boolean threadStart(Thread thread) {
        return threads.start(thread);
    }

    @Override
    public boolean threadJoin(Thread thread, long millis) throws InterruptedException {
        return threads.join(thread, millis);
    }

    @Override
    public Boolean threadJoin(Thread thread, Duration timeout) throws InterruptedException {
        return threads.join(thread, timeout);
    }

    @Override
    public Boolean threadAlive(Thread thread) {
        return threads.alive(thread);
    }

    @Override
    public boolean threadInterrupt(Thread thread) {
        return threads.interrupt(thread);
    }

    @Override
    public Boolean newThreadDaemon(Thread created) {
        Thread current = Thread.currentThread();
        if (!current.isVirtual() || created.isVirtual()) {
            return null;
        }
        Thread standsFor = main.platformThreadOf(current);
        if (standsFor == null) {
            standsFor = threads.threadObjectOf(current);
        }
        return standsFor == null ? null : standsFor.isDaemon();
    }

    @Override
    public boolean runMain(Class<?> type, Object self, Object[] args) throws Throwable {
        return main.run(type, self, args);
    }

    /**
     * In a greenlet: the wait is done in the hub's own epoll. If the greenlet turns out to be pinned to
     * its carrier when it parks there (a class initializer, a native frame), {@link #parkPinned} takes
     * over; checking for pinning here instead would cost a stack walk on every socket wait.
     */
    @Override
    public boolean poll(int fd, int event, long nanos, BooleanSupplier isOpen) throws IOException {
        // every fd that comes here is a socket or a pipe of sun.nio.ch, closed through socketClosing
        if (!AgentSupport.waitForSocketFd(fd, event, nanos, isOpen)) {
            return false;
        }
        Patches.HUBPOLLER.counter().increment();
        return true;
    }

    /**
     * In a greenlet: {@code Selector.select} waits in the hub's own epoll for the selector's epoll fd to
     * be readable, so that a ready channel or a {@code wakeup()} wakes it with no JDK poller thread in
     * between. The JDK re-polls the selector without blocking afterwards, whatever ended the wait.
     */
    @Override
    public boolean pollSelector(int fd, long nanos) throws IOException {
        if (!AgentSupport.waitForFd(fd, POLLIN, nanos, ALWAYS_OPEN)) {
            return false;
        }
        Patches.SELECTOR.counter().increment();
        return true;
    }

    @Override
    public void stopPoll(int fd, int event) {
        AgentSupport.wakeFdWaiters(fd, event);
    }

    @Override
    public void socketClosing(FileDescriptor fd) {
        AgentSupport.socketClosing((int) FD_VALUE.get(fd));
    }

    @Override
    public boolean socketReadWouldBlock(FileDescriptor fd) {
        return AgentSupport.socketReadWouldBlock((int) FD_VALUE.get(fd));
    }

    @Override
    public void socketReadReturned(FileDescriptor fd, int n, int len) {
        AgentSupport.socketReadReturned((int) FD_VALUE.get(fd), n, len);
    }

    @Override
    public boolean parkPinned() {
        return AgentSupport.finishPinnedFdWait();
    }

    @Override
    public long pinnedParkNanos() {
        return AgentSupport.pinnedParkNanos();
    }
}
