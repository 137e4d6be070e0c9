package io.gevent4j.monkey;

/**
 * The agent could not be installed, or a patch did not take. The message is one sentence that names
 * the patch (or the attach mechanism), the JDK, and what to do.
 */
public class MonkeyPatchException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message one sentence: what failed and what to do
     */
    public MonkeyPatchException(String message) {
        super(message);
    }

    /**
     * Creates the exception with its cause.
     *
     * @param message one sentence: what failed and what to do
     * @param cause what went wrong underneath
     */
    public MonkeyPatchException(String message, Throwable cause) {
        super(message, cause);
    }
}
