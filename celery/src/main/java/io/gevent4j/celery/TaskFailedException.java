package io.gevent4j.celery;

import java.util.List;

/**
 * A task ended in FAILURE or REVOKED: what {@link AsyncResult#get} throws, carrying the exception as
 * the worker stored it ({@code exc_type}, {@code exc_module}, {@code exc_message}) and its traceback.
 */
public final class TaskFailedException extends Exception {
    /** The taskId (serialized with the exception). */
    private final String taskId;
    /** The state (serialized with the exception). */
    private final String state;
    /** The excType (serialized with the exception). */
    private final String excType;
    /** The excModule (serialized with the exception). */
    private final String excModule;
    /** The excMessage (serialized with the exception). */
    private final List<Object> excMessage;
    /** The traceback (serialized with the exception). */
    private final String traceback;

    TaskFailedException(String taskId, String state, String excType, String excModule, List<Object> excMessage, String traceback) {
        super("task " + taskId + " " + state + ": " + excModule + "." + excType
                + (excMessage.isEmpty() ? "" : "(" + (excMessage.size() == 1 ? excMessage.get(0) : excMessage) + ")"));
        this.taskId = taskId;
        this.state = state;
        this.excType = excType;
        this.excModule = excModule;
        this.excMessage = List.copyOf(excMessage.stream().map(String::valueOf).toList());
        this.traceback = traceback;
    }

    /**
     * Returns the task id.
     *
     * @return the task id
     */
    public String taskId() {
        return taskId;
    }

    /**
     * Returns FAILURE or REVOKED.
     *
     * @return FAILURE or REVOKED
     */
    public String state() {
        return state;
    }

    /**
     * Returns the exception's Python class name, e.g. {@code ValueError}.
     *
     * @return the exception's Python class name, e.g. {@code ValueError}
     */
    public String excType() {
        return excType;
    }

    /**
     * Returns the exception's Python module, e.g. {@code builtins}.
     *
     * @return the exception's Python module, e.g. {@code builtins}
     */
    public String excModule() {
        return excModule;
    }

    /**
     * Returns the exception's args as text.
     *
     * @return the exception's args as text
     */
    public List<Object> excMessage() {
        return excMessage;
    }

    /**
     * Returns the first arg, or the empty string.
     *
     * @return the first arg, or the empty string
     */
    public String excText() {
        return excMessage.isEmpty() ? "" : String.valueOf(excMessage.get(0));
    }

    /**
     * Returns the worker's traceback text, or null.
     *
     * @return the worker's traceback text, or null
     */
    public String traceback() {
        return traceback;
    }
}
