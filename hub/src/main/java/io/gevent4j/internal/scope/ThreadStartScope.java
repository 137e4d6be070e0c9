package io.gevent4j.internal.scope;

import java.util.ArrayList;
import java.util.List;

/**
 * The state behind {@code Gevent.startThreadsAsGreenlets}: while a thread (or greenlet) runs inside
 * one, the agent's {@code Thread.start} hook starts the platform threads it starts as greenlets of its
 * hub and records them here. A nested scope hands back what it started and adds it to the outer one;
 * the scope is a plain thread-local, so a greenlet spawned inside it is not in it.
 */
public final class ThreadStartScope {
    private static final ThreadLocal<ThreadStartScope> CURRENT = new ThreadLocal<>();

    /** The greenlets the started threads became, in start order (typed by the hub, which owns them). */
    private final List<Object> started = new ArrayList<>();

    private ThreadStartScope() {
    }

    /** {@return the scope the current thread is in, or {@code null}} */
    public static ThreadStartScope current() {
        return CURRENT.get();
    }

    /** {@return a new scope, made current; end it with {@link #end}} */
    public static ThreadStartScope begin() {
        ThreadStartScope scope = new ThreadStartScope();
        CURRENT.set(scope);
        return scope;
    }

    /**
     * Makes an outer scope current again after an inner one ended.
     *
     * @param outer the scope that was current before
     */
    public static void resume(ThreadStartScope outer) {
        CURRENT.set(outer);
    }

    /**
     * Ends this scope on the current thread.
     *
     * @return the greenlets started in it, in start order
     */
    public List<Object> end() {
        if (CURRENT.get() == this) {
            CURRENT.remove();
        }
        return List.copyOf(started);
    }

    /**
     * Records a thread started as a greenlet in this scope.
     *
     * @param greenlet the greenlet it became
     */
    public void started(Object greenlet) {
        started.add(greenlet);
    }
}
