package io.gevent4j.celery;

import io.gevent4j.celery.internal.Json;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The request a task greenlet is running (Celery's {@code self.request}), reachable from the task's
 * code with {@link #current()}: its id, name, retry count, typed access to the arguments, and
 * {@link #retry}.
 */
public final class TaskContext {
    private static final ThreadLocal<TaskContext> CURRENT = new ThreadLocal<>();

    private final String id;
    private final String name;
    private final int retries;
    private final List<Object> args;
    private final Map<String, Object> kwargs;
    private final TaskSettings settings;
    private final String hostname;

    TaskContext(String id, String name, int retries, List<Object> args, Map<String, Object> kwargs,
                TaskSettings settings, String hostname) {
        this.id = id;
        this.name = name;
        this.retries = retries;
        this.args = args;
        this.kwargs = kwargs;
        this.settings = settings;
        this.hostname = hostname;
    }

    /**
     * The request of the task running in this greenlet.
     *
     * @return the context
     * @throws IllegalStateException outside a task
     */
    public static TaskContext current() {
        TaskContext context = CURRENT.get();
        if (context == null) {
            throw new IllegalStateException("TaskContext.current() called outside a task: only the greenlet "
                    + "running a task (inside its TaskFunction) has a context");
        }
        return context;
    }

    static void set(TaskContext context) {
        if (context == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(context);
        }
    }

    /**
     * Returns the task id.
     *
     * @return the task id
     */
    public String id() {
        return id;
    }

    /**
     * Returns the task name.
     *
     * @return the task name
     */
    public String name() {
        return name;
    }

    /**
     * Returns how often this task was retried so far (0 on the first run).
     *
     * @return how often this task was retried so far (0 on the first run)
     */
    public int retries() {
        return retries;
    }

    /**
     * Returns the worker's node name, e.g. {@code gevent4j@host}.
     *
     * @return the worker's node name, e.g. {@code gevent4j@host}
     */
    public String hostname() {
        return hostname;
    }

    /**
     * A positional argument converted with Jackson.
     *
     * @param index its position
     * @param type the Java type to map it to
     * @param <T> the type
     * @return the value
     * @throws IllegalArgumentException (stored as ValueError) if it is missing or does not convert
     */
    public <T> T arg(int index, Class<T> type) {
        if (index >= args.size()) {
            throw new IllegalArgumentException(name + "() takes an argument at position " + index + " but got "
                    + args.size() + " positional argument(s)");
        }
        return Json.convert(args.get(index), type);
    }

    /**
     * A keyword argument converted with Jackson, or {@code fallback} if absent.
     *
     * @param key its name
     * @param type the Java type
     * @param fallback the value when absent
     * @param <T> the type
     * @return the value
     */
    public <T> T kwarg(String key, Class<T> type, T fallback) {
        return kwargs.containsKey(key) ? Json.convert(kwargs.get(key), type) : fallback;
    }

    /**
     * Makes the exception that retries this task after {@code countdown}; throw it.
     * <pre>{@code throw TaskContext.current().retry(e, Duration.ofSeconds(5));}</pre>
     *
     * @param cause why (stored with the RETRY state; stored as the FAILURE once retries run out), or null
     * @param countdown how long to wait, or null for the task's {@link TaskSettings#retryDelay()}
     * @return the exception to throw
     */
    public Retry retry(Throwable cause, Duration countdown) {
        return new Retry(cause, countdown == null ? settings.retryDelay() : countdown, null);
    }

    /**
     * As {@link #retry(Throwable, Duration)} with a retry limit for this call.
     *
     * @param cause why, or null
     * @param countdown how long to wait, or null
     * @param maxRetries the limit instead of the task's
     * @return the exception to throw
     */
    public Retry retry(Throwable cause, Duration countdown, int maxRetries) {
        return new Retry(cause, countdown == null ? settings.retryDelay() : countdown, maxRetries);
    }
}
