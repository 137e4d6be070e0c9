package io.gevent4j.celery;

import java.util.List;
import java.util.Map;

/**
 * The code of a task: plain blocking Java, run in a greenlet of the worker's pool. Arguments arrive as
 * plain JSON values ({@code Integer}/{@code Long}/{@code BigInteger}, {@code Double}, {@code String},
 * {@code Boolean}, {@code null}, {@code List}, {@code Map}); convert them with
 * {@link TaskContext#arg(int, Class)}. The return value is stored as JSON through Jackson (records and
 * POJOs become objects). A thrown exception is stored as FAILURE, mapped to a Python built-in where
 * one fits ({@code IllegalArgumentException} is {@code ValueError}).
 */
@FunctionalInterface
public interface TaskFunction {
    /**
     * Runs the task.
     *
     * @param args the positional arguments
     * @param kwargs the keyword arguments
     * @return the result (JSON-serializable through Jackson)
     * @throws Exception the task's failure
     */
    Object call(List<Object> args, Map<String, Object> kwargs) throws Exception;
}
