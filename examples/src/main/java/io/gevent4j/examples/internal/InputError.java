package io.gevent4j.examples.internal;

import java.io.Serial;

/**
 * Bad input from the user (a malformed URL, an --out directory that cannot be written, an unknown
 * --variant): the command prints the message and exits with status 2 without downloading anything.
 */
public final class InputError extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Creates the error.
     *
     * @param message what is wrong and what to do instead
     */
    public InputError(String message) {
        super(message);
    }
}
