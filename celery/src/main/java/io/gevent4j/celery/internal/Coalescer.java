package io.gevent4j.celery.internal;

import io.gevent4j.Gevent;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Merges the Redis round trips that the greenlets of one hub ask for in the same turn of the hub
 * into one: the first {@link #submit} spawns a flusher, which runs once every greenlet that was
 * ready has run (and submitted), and sends all pending items with one call of the batch action. A
 * thousand tasks that finish together store their thousand results in one pipeline instead of a
 * thousand round trips; each caller still waits until its own item is written, so nothing is
 * acknowledged or reported earlier than with one round trip each. Hub-local: use it only from
 * greenlets of the hub that created it.
 *
 * @param <T> the item type
 */
public final class Coalescer<T> {
    /** Writes a batch. */
    @FunctionalInterface
    public interface Batch<T> {
        /**
         * Writes the items.
         *
         * @param items the pending items, in submission order
         * @throws IOException if Redis fails
         * @throws InterruptedException if interrupted
         */
        void write(List<T> items) throws IOException, InterruptedException;
    }

    private final Batch<T> batch;
    private List<T> pending = new ArrayList<>();
    private CompletableFuture<Void> written = new CompletableFuture<>();
    private boolean scheduled;

    /**
     * @param batch what writes a batch
     */
    public Coalescer(Batch<T> batch) {
        this.batch = batch;
    }

    /**
     * Adds an item to the next batch and waits until that batch is written.
     *
     * @param item the item
     * @throws IOException if writing the batch failed
     * @throws InterruptedException if interrupted
     */
    public void submit(T item) throws IOException, InterruptedException {
        pending.add(item);
        CompletableFuture<Void> mine = written;
        if (!scheduled) {
            scheduled = true;
            Gevent.spawn(this::flush);
        }
        try {
            mine.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw new IOException(io.getMessage(), io);
            }
            throw new IOException("a batched Redis write failed: " + e.getCause(), e.getCause());
        }
    }

    private void flush() {
        List<T> items = pending;
        CompletableFuture<Void> done = written;
        pending = new ArrayList<>();
        written = new CompletableFuture<>();
        scheduled = false;
        try {
            batch.write(items);
            done.complete(null);
        } catch (IOException | RuntimeException e) {
            done.completeExceptionally(e);
        } catch (InterruptedException e) {
            done.completeExceptionally(e);
            Thread.currentThread().interrupt();
        }
    }
}
