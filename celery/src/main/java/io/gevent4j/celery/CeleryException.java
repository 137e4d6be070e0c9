package io.gevent4j.celery;

/**
 * An exception that Python knows by a class of its own: what the worker stores for it is that
 * class's name and module, so a Python client re-raises exactly it (for example
 * {@code billiard.exceptions.TimeLimitExceeded}).
 */
public class CeleryException extends RuntimeException {
    /** The pythonModule (serialized with the exception). */
    private final String pythonModule;
    /** The pythonType (serialized with the exception). */
    private final String pythonType;

    /**
     * Creates the exception (each parameter is checked).
     *
     * @param pythonModule the Python module of the class, e.g. {@code celery.exceptions}
     * @param pythonType the Python class name, e.g. {@code TaskRevokedError}
     * @param message the exception's single argument
     */
    public CeleryException(String pythonModule, String pythonType, String message) {
        super(message);
        this.pythonModule = pythonModule;
        this.pythonType = pythonType;
    }

    /**
     * Returns the Python module of the class.
     *
     * @return the Python module of the class
     */
    public String pythonModule() {
        return pythonModule;
    }

    /**
     * Returns the Python class name.
     *
     * @return the Python class name
     */
    public String pythonType() {
        return pythonType;
    }
}
