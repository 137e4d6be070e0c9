package io.gevent4j.core.internal;

import java.io.PrintStream;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * The one place where gevent4j reports an error it caught and survived (gevent's
 * {@code hub.handle_error} writing to {@code hub.exception_stream}): a greenlet that died unobserved, a
 * callback, a timer, a link, the loop's own machinery, a monitor. Every such report goes through
 * {@link #report}; the process-wide handler prints {@code "gevent4j: <context> failed with <error>"} and
 * the stack to {@code System.err} (read at each report, so {@code System.setErr} redirects it) until a
 * user replaces it with {@link #setDefaultHandler}. A hub's own handler, if set, comes first (see
 * {@code Hub.setErrorHandler}).
 *
 * <p>A handler that throws never loses the report: both the report and the handler's failure are then
 * printed to {@code System.err}.
 */
public final class ErrorSink {
    private static final BiConsumer<Object, Throwable> PRINT = ErrorSink::print;
    private static volatile BiConsumer<Object, Throwable> defaultHandler = PRINT;

    private ErrorSink() {
    }

    /**
     * Replaces the process-wide handler; {@code null} restores printing to {@code System.err}.
     *
     * @param handler receives the context (what failed: a greenlet, a callback...) and the error
     */
    public static void setDefaultHandler(BiConsumer<Object, Throwable> handler) {
        defaultHandler = handler == null ? PRINT : handler;
    }

    /** {@return the process-wide handler} */
    public static BiConsumer<Object, Throwable> defaultHandler() {
        return defaultHandler;
    }

    /**
     * Reports an error to the process-wide handler. Any thread.
     *
     * @param context what failed, for the message
     * @param error the error
     */
    public static void report(Object context, Throwable error) {
        report(null, context, error);
    }

    /**
     * Reports an error to {@code handler}, or to the process-wide handler when it is {@code null}. Never
     * throws.
     *
     * @param handler a hub's own handler, or {@code null}
     * @param context what failed, for the message
     * @param error the error
     */
    public static void report(BiConsumer<Object, Throwable> handler, Object context, Throwable error) {
        Objects.requireNonNull(error, "error");
        BiConsumer<Object, Throwable> h = handler != null ? handler : defaultHandler;
        try {
            h.accept(context, error);
        } catch (Throwable handlerFailure) {
            print(context, error);
            print("the error handler " + h + " (while reporting the error above)", handlerFailure);
        }
    }

    /**
     * The default handler: prints the context and the stack to {@code System.err}, as one block.
     *
     * @param context what failed
     * @param error the error
     */
    public static void print(Object context, Throwable error) {
        PrintStream err = System.err;
        synchronized (err) {
            err.println("gevent4j: " + context + " failed with " + error);
            error.printStackTrace(err);
        }
    }
}
