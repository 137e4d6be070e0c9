package io.gevent4j.celery;

/**
 * User tasks from a jar: implement this, list the class in
 * {@code META-INF/services/io.gevent4j.celery.TaskProvider}, and put the jar on the worker's class
 * path ({@code CELERY_CLASSPATH=my-tasks.jar ./gevent4j celery worker ...}). The worker loads every
 * provider with {@link java.util.ServiceLoader} at start-up and lists the tasks it registered.
 * <pre>{@code
 * public final class MyTasks implements TaskProvider {
 *     public void register(TaskRegistry tasks) {
 *         tasks.task("tasks.upper", (args, kwargs) -> ((String) args.get(0)).toUpperCase());
 *     }
 * }
 * }</pre>
 * A provider needs a public no-argument constructor.
 */
public interface TaskProvider {
    /**
     * Registers this provider's tasks.
     *
     * @param tasks where to register them
     */
    void register(TaskRegistry tasks);
}
