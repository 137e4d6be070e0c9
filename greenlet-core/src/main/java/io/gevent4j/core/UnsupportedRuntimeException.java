package io.gevent4j.core;

/**
 * The running JVM cannot host greenlets: it is older than JDK 25, or {@code java.lang} is not opened
 * to gevent4j. The message is one sentence that names what was found and what to do.
 */
public final class UnsupportedRuntimeException extends IllegalStateException {
    /**
     * Creates the exception.
     *
     * @param message what was found and what to do
     * @param cause the underlying reflection failure, or {@code null}
     */
    public UnsupportedRuntimeException(String message, Throwable cause) {
        super(message, cause);
    }
}
