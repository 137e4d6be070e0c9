package io.gevent4j;

import io.gevent4j.core.Carrier;
import io.gevent4j.core.internal.JdkSupport;
import io.gevent4j.internal.loop.FdPoller;
import io.gevent4j.internal.loop.Loop;
import io.gevent4j.internal.loop.TimerHeap;

import java.util.ArrayList;
import java.util.List;

/**
 * A read-only view of one hub, for monitors (the blocking detector), dumps ({@link Gevent#formatRunInfo()})
 * and leak checks: {@link Hub#inspect()}. It changes nothing. What it reads from another thread is
 * only what the hub publishes for that purpose (opaque or release/acquire fields: the turn counter,
 * whether a task runs, the list of live greenlets and what each waits on), so that it never waits for
 * the hub nor races with it; the hub's timers and not-yet-run greenlets are listed only on the hub's
 * own thread.
 */
public final class HubInspector {
    private final Hub hub;
    private final Carrier carrier;
    private final Loop loop;

    HubInspector(Hub hub) {
        this.hub = hub;
        this.carrier = hub.carrier();
        this.loop = hub.loop();
    }

    /** {@return the hub inspected} */
    public Hub hub() {
        return hub;
    }

    /** {@return how many turns the loop has made; any thread (it stops moving while the hub is blocked)} */
    public long turns() {
        return carrier.turns();
    }

    /** {@return true while a task (a greenlet's turn or a callback) runs on the hub's thread; any thread} */
    public boolean isRunningTask() {
        return carrier.isRunningTask();
    }

    /** {@return true while the hub's thread waits for work in its loop; any thread} */
    public boolean isIdle() {
        return carrier.isIdle();
    }

    /** {@return true if work waits for the loop to run it; any thread} */
    public boolean hasWaitingWork() {
        return carrier.hasWaitingWork();
    }

    /** {@return the number of tasks ready to run (hub thread only)} */
    public int readyCount() {
        return carrier.readyCount();
    }

    /**
     * The timers pending on this hub, callbacks and wake-ups alike. Hub thread only.
     *
     * @return a snapshot, in no particular order
     */
    public List<TimerHandle> pendingTimers() {
        hub.checkInHub("HubInspector.pendingTimers");
        List<TimerHandle> out = new ArrayList<>();
        for (TimerHeap.Timer t : loop.timers().snapshot()) {
            out.add(t instanceof TimerHandle handle ? handle : new WakeUp(t));
        }
        return out;
    }

    /** A wake-up timer (a sleep, a timed wait) seen through the public {@link TimerHandle}. */
    private record WakeUp(TimerHeap.Timer timer) implements TimerHandle {
        @Override
        public void cancel() {
            timer.cancel();
        }

        @Override
        public boolean pending() {
            return timer.pending();
        }

        @Override
        public String toString() {
            return timer.toString();
        }
    }

    /**
     * What a greenlet of this hub waits on in the hub (an event, a queue, a timer), for dumps.
     *
     * @param greenlet a greenlet
     * @return its blocker, or {@code null} when it does not wait in the hub; any thread (published)
     */
    public Object blockerOf(Greenlet<?> greenlet) {
        Thread t = greenlet.thread();
        return t == null ? null : greenlet.strand().blocker();
    }

    /**
     * Whether a greenlet of this hub waits in the hub (for a queue, a lock, an event, a timer).
     *
     * @param greenlet a greenlet
     * @return true while it is parked in a hub wait; any thread (published)
     */
    public boolean isWaitingInHub(Greenlet<?> greenlet) {
        return greenlet.thread() != null && greenlet.strand().isParkedInHub();
    }

    /**
     * A greenlet's virtual thread, whose stack shows where it is.
     *
     * @param greenlet a greenlet
     * @return its thread, or {@code null} before it started
     */
    public Thread threadOf(Greenlet<?> greenlet) {
        return greenlet.thread();
    }

    /** {@return how many socket waits the hub's own epoll has handled (0 if it has none); hub thread only} */
    public long socketWaitCount() {
        FdPoller p = loop.pollerOrNull();
        return p == null ? 0 : p.waitCount();
    }

    /** {@return the hub's epoll file descriptor, or -1 if it has made none; any thread} */
    public int epollFd() {
        FdPoller p = loop.pollerOrNull();
        return p == null || p.isClosed() ? -1 : p.epollFd();
    }

    /**
     * What runs on the hub's thread right now: a greenlet's name and thread. Any thread (racy by
     * nature: the answer may already be stale).
     *
     * @param name the greenlet's name
     * @param thread its virtual thread, whose stack shows what it does
     */
    public record Running(String name, Thread thread) {
    }

    /**
     * The greenlet mounted on the hub's thread now.
     *
     * @return it, or {@code null} if none is (a callback runs, or the hub is idle) or this JDK cannot tell
     */
    public Running runningGreenlet() {
        Thread carrierThread = carrier.thread();
        Running[] found = new Running[1];
        Running[] onlyRunnable = new Running[1];
        int[] runnable = new int[1];
        carrier.forEachLive(s -> {
            Thread t = s.thread();
            if (t == null || s.isRoot() || found[0] != null) {
                return;
            }
            if (JdkSupport.mountedOn(t) == carrierThread) {
                found[0] = new Running(s.name(), t);
            } else if (!s.isParkedInHub() && t.getState() == Thread.State.RUNNABLE) {
                runnable[0]++;
                onlyRunnable[0] = new Running(s.name(), t);
            }
        });
        if (found[0] != null) {
            return found[0];
        }
        // without the JDK's answer, a single runnable greenlet is the one
        return !JdkSupport.canTellMountedCarrier() && runnable[0] == 1 ? onlyRunnable[0] : null;
    }

    // ---- descriptions -------------------------------------------------------------------------

    /**
     * Describes the hub (gevent's {@code format_run_info} for one hub): its greenlets, what each waits on
     * and its stack; on the hub's own thread also its timers and not-yet-run greenlets. From another
     * thread it never waits for the hub: it describes what the hub has published.
     *
     * @return a multi-line description
     */
    public String formatRunInfo() {
        return hub.inHub() ? describe(true) : describeFromOutside();
    }

    /**
     * Describes every hub of the process, each as {@link #formatRunInfo()} does; never waits for a hub.
     *
     * @return one block per hub
     */
    public static String formatRunInfoAll() {
        StringBuilder out = new StringBuilder();
        for (Hub h : Hub.all()) {
            out.append(h.inspect().formatRunInfo());
        }
        return out.toString();
    }

    /** The description made on the hub's thread (LoopExit messages use it without stacks). */
    String describe(boolean withStacks) {
        StringBuilder out = new StringBuilder();
        out.append("Hub of thread \"").append(hub.thread().getName()).append("\": ")
                .append(carrier.liveCount()).append(" live greenlet(s), ")
                .append(hub.notYetRun().count()).append(" not run yet, ")
                .append(carrier.parkedInHubCount()).append(" waiting in the hub, ")
                .append(carrier.readyCount()).append(" ready, ")
                .append(loop.timers().size()).append(" timer(s), ")
                .append(carrier.externalCount()).append(" outstanding thread-pool/external job(s)\n");
        Object rootBlocker = carrier.root().blocker();
        if (rootBlocker != null) {
            out.append("  the hub's own thread \"").append(hub.thread().getName()).append("\" waits on ")
                    .append(rootBlocker).append('\n');
        }
        for (Greenlet<?> g = hub.notYetRun().head(); g != null; g = g.scheduledNext) {
            out.append("  ").append(g.name()).append(" has not run yet: ").append(g).append('\n');
        }
        describeLive(out, withStacks);
        if (withStacks) {
            for (TimerHeap.Timer t : loop.timers().snapshot()) {
                out.append("  ").append(t).append('\n');
            }
        }
        return out.toString();
    }

    private String describeFromOutside() {
        StringBuilder out = new StringBuilder();
        String what = carrier.isRunningTask() ? "is running a task" : carrier.isIdle() ? "is idle in its loop"
                : "has its thread outside the loop or between tasks";
        out.append("Hub of thread \"").append(hub.thread().getName()).append("\" (").append(what)
                .append("; described from another thread, without its timers and not-yet-run greenlets): ")
                .append(carrier.liveCount()).append(" live greenlet(s), ")
                .append(carrier.parkedInHubCount()).append(" waiting in the hub, ")
                .append(carrier.externalCount()).append(" outstanding thread-pool/external job(s)\n");
        Object rootBlocker = carrier.root().blocker();
        if (rootBlocker != null) {
            out.append("  the hub's own thread \"").append(hub.thread().getName()).append("\" waits on ")
                    .append(rootBlocker).append('\n');
        }
        describeLive(out, true);
        if (!carrier.isIdle()) {
            out.append("  the hub's thread:\n").append(stackOf(hub.thread()));
        }
        return out.toString();
    }

    private void describeLive(StringBuilder out, boolean withStacks) {
        carrier.forEachLive(s -> {
            out.append("  ").append(s.name());
            Object blocker = s.blocker();
            Thread t = s.thread();
            if (blocker != null) {
                out.append(" waits on ").append(describeBlocker(blocker));
            } else if (t != null) {
                out.append(" is ").append(t.getState()).append(" outside the hub (I/O or a JDK lock)");
            }
            Greenlet<?> g = Greenlet.of(s);
            if (g != null) {
                out.append(", age ").append((System.nanoTime() - g.spawnedAt()) / 1_000_000).append(" ms");
            }
            out.append('\n');
            if (withStacks && t != null) {
                out.append(stackOf(t));
            }
        });
    }

    private static String describeBlocker(Object blocker) {
        try {
            return String.valueOf(blocker);
        } catch (RuntimeException racing) {
            // read from another thread while the hub changes it: name it by its type
            return blocker.getClass().getSimpleName();
        }
    }

    private static String stackOf(Thread thread) {
        StringBuilder out = new StringBuilder();
        for (StackTraceElement e : thread.getStackTrace()) {
            out.append("      at ").append(e).append('\n');
        }
        return out.toString();
    }
}
