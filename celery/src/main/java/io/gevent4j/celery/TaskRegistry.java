package io.gevent4j.celery;

/** Where tasks are registered by name: a {@link Worker}, as a {@link TaskProvider} sees it. */
public interface TaskRegistry {
    /**
     * Registers a task with Celery's default settings.
     *
     * @param name the task name producers send, e.g. {@code tasks.fetch}
     * @param function the code
     * @return this registry
     */
    default TaskRegistry task(String name, TaskFunction function) {
        return task(name, TaskSettings.DEFAULT, function);
    }

    /**
     * Registers a task.
     *
     * @param name the task name
     * @param settings retry limits, time limits, ignore_result
     * @param function the code
     * @return this registry
     * @throws IllegalArgumentException if the name is blank or already registered
     */
    TaskRegistry task(String name, TaskSettings settings, TaskFunction function);
}
