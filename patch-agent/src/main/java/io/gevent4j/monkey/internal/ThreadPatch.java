package io.gevent4j.monkey.internal;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import io.gevent4j.core.GreenletExit;
import io.gevent4j.spi.AgentSupport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The opt-in "threads" patch (gevent's {@code patch_thread}): {@code new Thread(r).start()} called by
 * application code on a hub (in a greenlet or on the hub's thread) runs {@code r} as a greenlet of that
 * hub instead of a new platform thread; {@code join}, {@code isAlive} and {@code interrupt} of that
 * {@code Thread} object then act on the greenlet.
 *
 * <p>Threads that must stay threads stay threads: a thread is converted only if its class is
 * {@code java.lang.Thread} or an application subclass, and {@code start()} was called directly by
 * application code. Threads started by the JDK or by library code built into it
 * ({@code ThreadPoolExecutor}, {@code Timer}, {@code ForkJoinPool}, shutdown hooks, the process
 * reaper, {@code Thread.ofPlatform().start(...)}) are real threads.
 *
 * <p>The {@code threadscope} patch (on by default) uses the same path for the threads started inside
 * {@code Gevent.startThreadsAsGreenlets(action)}, by whatever code, the JDK's included (its system
 * thread classes excepted); outside such a scope, and with {@code threads} off, {@code start()} is
 * left alone.
 *
 * <p>Inside the greenlet, {@code Thread.currentThread()} is the greenlet's virtual thread (named like
 * the {@code Thread} object), not the {@code Thread} object itself.
 */
final class ThreadPatch {
    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    private final Map<Thread, Greenlet<?>> live = new ConcurrentHashMap<>();
    /** The greenlet's own (virtual) thread -> the {@code Thread} object it runs, while it runs. */
    private final Map<Thread, Thread> running = new ConcurrentHashMap<>();
    private final Set<Thread> started = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
    /** Whether the {@code threads} patch is on: application threads started anywhere on a hub convert. */
    private final boolean everywhere;
    /** Whether the {@code threadscope} patch is on: threads started in {@code Gevent.startThreadsAsGreenlets} convert. */
    private final boolean inScopes;
    private final LongAdder hits;
    private final LongAdder scopedHits;

    ThreadPatch(boolean everywhere, boolean inScopes, LongAdder hits, LongAdder scopedHits) {
        this.everywhere = everywhere;
        this.inScopes = inScopes;
        this.hits = hits;
        this.scopedHits = scopedHits;
    }

    boolean start(Thread thread) {
        Hub hub = Hub.currentOrNull();
        if (hub == null) {
            return false;
        }
        // In a scope the caller asked for it, so the JDK's or a library's own start() converts too; only
        // the JDK's system thread classes (InnocuousThread, pollers) stay threads.
        boolean scoped = inScopes && AgentSupport.inThreadStartScope();
        if (scoped ? !plainType(thread) : !(everywhere && convertible(thread))) {
            return false;
        }
        if (!started.add(thread)) {
            throw new IllegalThreadStateException("gevent4j: " + thread + " was already started (as a greenlet)");
        }
        (scoped ? scopedHits : hits).increment();
        Greenlet<Void> greenlet = Greenlet.create(() -> {
            runAsThread(thread);
            return null;
        });
        live.put(thread, greenlet);
        greenlet.start();
        greenlet.name(thread.getName());
        if (scoped) {
            AgentSupport.startedInThreadStartScope(greenlet);
        }
        return true;
    }

    private void runAsThread(Thread thread) {
        running.put(Thread.currentThread(), thread);
        try {
            thread.run();
        } catch (GreenletExit exit) {
            throw exit;
        } catch (Throwable error) {
            // exactly what the JDK does for an uncaught exception: the thread's handler, else its group,
            // which prints 'Exception in thread "name" ...'
            Thread.UncaughtExceptionHandler handler = thread.getUncaughtExceptionHandler();
            if (handler == null) {
                handler = Thread.getDefaultUncaughtExceptionHandler();
            }
            if (handler != null) {
                handler.uncaughtException(thread, error);
            } else {
                System.err.print("Exception in thread \"" + thread.getName() + "\" ");
                error.printStackTrace(System.err);
            }
        } finally {
            running.remove(Thread.currentThread());
            live.remove(thread);
        }
    }

    /**
     * @param greenletThread the current thread of a greenlet
     * @return the {@code Thread} object that greenlet runs as a thread, or {@code null}
     */
    Thread threadObjectOf(Thread greenletThread) {
        return running.get(greenletThread);
    }

    /** {@code java.lang.Thread} itself or an application subclass, not one of the JDK's own thread classes. */
    private static boolean plainType(Thread thread) {
        Class<?> type = thread.getClass();
        return type == Thread.class || !isJdk(type);
    }

    /** Only plain threads started directly by application code become greenlets. */
    private static boolean convertible(Thread thread) {
        if (!plainType(thread)) {
            return false;
        }
        Class<?> caller = WALKER.walk(frames -> frames
                .map(StackWalker.StackFrame::getDeclaringClass)
                .filter(c -> c != Thread.class && !c.getName().equals(BootClasses.DISPATCH)
                        && c != CooperativeHooks.class && c != ThreadPatch.class)
                .findFirst().orElse(null));
        return caller != null && !isJdk(caller);
    }

    private static boolean isJdk(Class<?> type) {
        ClassLoader loader = type.getClassLoader();
        return loader == null || loader == ClassLoader.getPlatformClassLoader();
    }

    boolean join(Thread thread, long millis) throws InterruptedException {
        Greenlet<?> greenlet = live.get(thread);
        if (greenlet == null || millis < 0) {
            return false;
        }
        greenlet.join(millis == 0 ? null : Duration.ofMillis(millis));
        return true;
    }

    Boolean join(Thread thread, Duration timeout) throws InterruptedException {
        Greenlet<?> greenlet = live.get(thread);
        if (greenlet == null) {
            return started.contains(thread) ? Boolean.TRUE : null;
        }
        if (timeout.isNegative() || timeout.isZero()) {
            return greenlet.dead();
        }
        return greenlet.join(timeout);
    }

    Boolean alive(Thread thread) {
        Greenlet<?> greenlet = live.get(thread);
        if (greenlet == null) {
            return started.contains(thread) ? Boolean.FALSE : null;
        }
        return !greenlet.dead();
    }

    boolean interrupt(Thread thread) {
        Greenlet<?> greenlet = live.get(thread);
        Thread t = greenlet == null ? null : greenlet.hub().inspect().threadOf(greenlet);
        if (t == null) {
            return false;
        }
        t.interrupt();
        return true;
    }

    /**
     * Waits, on the calling hub, until no non-daemon thread started as a greenlet of that hub is alive:
     * what the JVM does for non-daemon platform threads when main returns.
     *
     * @param hub the hub
     * @throws InterruptedException if interrupted
     */
    void awaitNonDaemon(Hub hub) throws InterruptedException {
        while (true) {
            List<Greenlet<?>> waiting = nonDaemon(hub);
            if (waiting.isEmpty()) {
                return;
            }
            Gevent.joinAll(waiting);
        }
    }

    /**
     * @param hub a hub
     * @return true if a non-daemon thread started as a greenlet of that hub is alive
     */
    boolean hasNonDaemon(Hub hub) {
        return !nonDaemon(hub).isEmpty();
    }

    private List<Greenlet<?>> nonDaemon(Hub hub) {
        List<Greenlet<?>> out = new ArrayList<>();
        for (Map.Entry<Thread, Greenlet<?>> e : live.entrySet()) {
            if (!e.getKey().isDaemon() && e.getValue().hub() == hub && !e.getValue().dead()) {
                out.add(e.getValue());
            }
        }
        return out;
    }
}
