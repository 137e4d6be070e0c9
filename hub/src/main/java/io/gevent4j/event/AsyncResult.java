package io.gevent4j.event;

import io.gevent4j.Hub;
import io.gevent4j.Waitable;
import io.gevent4j.internal.loop.Linkable;
import io.gevent4j.internal.loop.Waits;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A value or an exception that will arrive later (gevent's {@code gevent.event.AsyncResult}); usable
 * as a {@link Future}. Set it once with {@link #set} or {@link #setException}. Hub-local: set and wait
 * from the hub that created it; a waiter on another thread may use {@link #get()}, which is safe.
 *
 * @param <T> the value type
 */
public final class AsyncResult<T> extends Linkable<AsyncResult<T>> implements Future<T>, Waitable {
    private final Hub hub;
    private boolean done;
    private T value;
    private Throwable exception;

    /** Creates an empty result on the current hub. */
    public AsyncResult() {
        this(Hub.current());
    }

    /**
     * Creates an empty result on a given hub.
     *
     * @param hub the hub it belongs to
     */
    public AsyncResult(Hub hub) {
        this.hub = Objects.requireNonNull(hub, "hub");
    }

    /**
     * Sets the value and wakes the waiters.
     *
     * @param result the value
     * @throws IllegalStateException if already set
     */
    public void set(T result) {
        complete(result, null);
    }

    /**
     * Sets the exception and wakes the waiters.
     *
     * @param error the exception
     * @throws IllegalStateException if already set
     */
    public void setException(Throwable error) {
        complete(null, Objects.requireNonNull(error, "error"));
    }

    private void complete(T result, Throwable error) {
        hub.checkInHub(this);
        if (done) {
            throw new IllegalStateException("gevent4j: " + this + " is already set; an AsyncResult is set once");
        }
        value = result;
        exception = error;
        done = true;
        fireLinks();
    }

    @Override
    public boolean ready() {
        return done;
    }

    /** {@return true if set with a value} */
    public boolean successful() {
        return done && exception == null;
    }

    /** {@return the value, or {@code null} if not set or failed} */
    public T value() {
        return value;
    }

    /** {@return the exception, or {@code null}} */
    public Throwable exception() {
        return exception;
    }

    /**
     * Waits until set or {@code timeout} passes.
     *
     * @param timeout the longest wait, or {@code null}
     * @return true if set
     * @throws InterruptedException if interrupted
     */
    public boolean await(Duration timeout) throws InterruptedException {
        if (done) {
            return true;
        }
        if (!hub.inHub()) {
            try {
                Waits.await(toCompletableFuture(), timeout);
            } catch (ExecutionException e) {
                return true;
            } catch (TimeoutException e) {
                return false;
            }
            return true;
        }
        return awaitReady(timeout);
    }

    @Override
    protected boolean isReadyNow() {
        return done;
    }

    @Override
    protected void reportLinkError(Object context, Throwable error) {
        hub.reportError(context, error);
    }

    /**
     * Waits for the value.
     *
     * @return the value
     * @throws ExecutionException with the exception as cause, if it was set with one
     * @throws InterruptedException if interrupted
     */
    @Override
    public T get() throws InterruptedException, ExecutionException {
        await(null);
        return result();
    }

    @Override
    public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        if (!await(Duration.of(timeout, unit.toChronoUnit()))) {
            throw new TimeoutException(this + " not set within " + timeout + " " + unit);
        }
        return result();
    }

    private T result() throws ExecutionException {
        if (exception != null) {
            throw new ExecutionException(exception);
        }
        return value;
    }

    /**
     * A future completed when this result is set. Any thread.
     *
     * @return the future
     */
    public java.util.concurrent.CompletableFuture<T> toCompletableFuture() {
        java.util.concurrent.CompletableFuture<T> future = new java.util.concurrent.CompletableFuture<>();
        Runnable register = () -> rawlink(w -> {
            if (exception != null) {
                future.completeExceptionally(exception);
            } else {
                future.complete(value);
            }
        });
        if (hub.inHub()) {
            register.run();
        } else {
            hub.callSoonThreadsafe(register);
        }
        return future;
    }

    /** An AsyncResult cannot be cancelled. @return false */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        return false;
    }

    @Override
    public boolean isCancelled() {
        return false;
    }

    @Override
    public boolean isDone() {
        return done;
    }

    @Override
    public void rawlink(Consumer<? super Waitable> callback) {
        hub.checkInHub(this);
        addLink(callback);
    }

    @Override
    public boolean rawunlink(Consumer<? super Waitable> callback) {
        hub.checkInHub(this);
        return removeLink(callback);
    }

    @Override
    public String toString() {
        return "AsyncResult[" + (!done ? "pending" : exception != null ? "failed: " + exception : "value " + value) + "]";
    }
}
