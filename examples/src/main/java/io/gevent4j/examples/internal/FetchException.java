package io.gevent4j.examples.internal;

import java.io.Serial;

/**
 * A download that failed for a reason worth telling the user: an HTTP error status, a connection
 * that kept failing after every retry, an untrusted TLS certificate, a file that cannot be written,
 * an encrypted stream. The message is the reason shown in the summary; it says what went wrong and,
 * where there is one, what to do.
 */
public final class FetchException extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    private final boolean retryable;

    private FetchException(String message, Throwable cause, boolean retryable) {
        super(message, cause);
        this.retryable = retryable;
    }

    /**
     * A failure that another attempt cannot fix (404, bad certificate, disk full...).
     *
     * @param message the reason, for the user
     * @return the exception
     */
    public static FetchException permanent(String message) {
        return new FetchException(message, null, false);
    }

    /**
     * A failure that another attempt cannot fix, with its cause.
     *
     * @param message the reason, for the user
     * @param cause what was thrown
     * @return the exception
     */
    public static FetchException permanent(String message, Throwable cause) {
        return new FetchException(message, cause, false);
    }

    /**
     * A failure that may go away if the request is made again (the server sent incomplete data...).
     *
     * @param message the reason, for the user
     * @return the exception
     */
    public static FetchException retryable(String message) {
        return new FetchException(message, null, true);
    }

    /**
     * Returns true if {@link Http} should try again (within the retry budget).
     *
     * @return true if {@link Http} should try again (within the retry budget)
     */
    public boolean retryable() {
        return retryable;
    }
}
