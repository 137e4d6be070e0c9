package io.gevent4j.examples.internal;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The outcome of a tool's run: one item per file (downloaded, skipped as already complete, or failed
 * with its reason), the time taken, and the exit code (0 only if nothing failed).
 */
public final class Report {
    /** What happened to one file. */
    public enum Status {
        /** Downloaded in this run. */
        DOWNLOADED,
        /** Already complete on disk from an earlier run; not downloaded again. */
        SKIPPED,
        /** Not downloaded; the item says why. */
        FAILED
    }

    /**
     * One file of the run.
     *
     * @param source the URL it came from (or the input that failed)
     * @param file where it is on disk, or {@code null} if it failed
     * @param bytes its size (bytes received in this run for a download, size on disk for a skip)
     * @param status what happened
     * @param reason why it failed, or {@code null}
     */
    public record Item(String source, Path file, long bytes, Status status, String reason) {
        /**
         * A file downloaded in this run.
         *
         * @param source its URL
         * @param file where it is
         * @param bytes its size
         * @return the item
         */
        public static Item downloaded(String source, Path file, long bytes) {
            return new Item(source, file, bytes, Status.DOWNLOADED, null);
        }

        /**
         * A file already complete from an earlier run.
         *
         * @param source its URL
         * @param file where it is
         * @param bytes its size
         * @return the item
         */
        public static Item skipped(String source, Path file, long bytes) {
            return new Item(source, file, bytes, Status.SKIPPED, null);
        }

        /**
         * A file that could not be downloaded.
         *
         * @param source its URL, or the input that failed
         * @param reason why
         * @return the item
         */
        public static Item failed(String source, String reason) {
            return new Item(source, null, 0, Status.FAILED, reason);
        }
    }

    private final String what;
    private final Path dir;
    private final long start = System.nanoTime();
    private final List<Item> items = new ArrayList<>();
    private long end;

    /**
     * Starts a report; the clock starts now.
     *
     * @param what what is downloaded, plural, e.g. {@code images}
     * @param dir the output directory
     */
    public Report(String what, Path dir) {
        this.what = what;
        this.dir = dir;
    }

    /**
     * Records a file.
     *
     * @param item what happened to it
     */
    public synchronized void add(Item item) {
        items.add(item);
    }

    /** Stops the clock. */
    public synchronized void finish() {
        if (end == 0) {
            end = System.nanoTime();
        }
    }

    /**
     * Returns the output directory.
     *
     * @return the output directory
     */
    public Path dir() {
        return dir;
    }

    /**
     * Returns a copy of the items, in the order they were recorded.
     *
     * @return a copy of the items, in the order they were recorded
     */
    public synchronized List<Item> items() {
        return List.copyOf(items);
    }

    /**
     * Counts items.
     *
     * @param status which
     * @return how many have this status
     */
    public synchronized int count(Status status) {
        return (int) items.stream().filter(i -> i.status() == status).count();
    }

    /**
     * Returns bytes downloaded in this run.
     *
     * @return bytes downloaded in this run
     */
    public synchronized long downloadedBytes() {
        return items.stream().filter(i -> i.status() == Status.DOWNLOADED).mapToLong(Item::bytes).sum();
    }

    /**
     * Returns the time from creation to {@link #finish()} (or to now).
     *
     * @return the time from creation to {@link #finish()} (or to now)
     */
    public synchronized Duration elapsed() {
        return Duration.ofNanos((end != 0 ? end : System.nanoTime()) - start);
    }

    /**
     * Returns 0 if nothing failed, 1 otherwise (2, bad input, is decided before a report exists).
     *
     * @return 0 if nothing failed, 1 otherwise (2, bad input, is decided before a report exists)
     */
    public synchronized int exitCode() {
        return count(Status.FAILED) == 0 ? 0 : 1;
    }

    /**
     * Prints the summary: counts, bytes, time, and each failure with its reason.
     *
     * @param out where
     */
    public synchronized void print(PrintStream out) {
        int failed = count(Status.FAILED);
        int skipped = count(Status.SKIPPED);
        StringBuilder b = new StringBuilder();
        b.append(what).append(": ").append(count(Status.DOWNLOADED)).append(" downloaded (")
                .append(Units.bytes(downloadedBytes())).append(")");
        if (skipped > 0) {
            b.append(", ").append(skipped).append(" skipped (already complete)");
        }
        b.append(", ").append(failed).append(" failed, in ").append(Units.seconds(elapsed()))
                .append(" -> ").append(dir);
        out.println(b);
        for (Item item : items) {
            if (items.size() <= 3 && item.status() != Status.FAILED) {
                out.println("  " + (item.status() == Status.SKIPPED ? "already complete: " : "saved: ") + item.file());
            }
            if (item.status() == Status.FAILED) {
                out.println("  FAILED " + item.source() + ": " + item.reason());
            }
        }
        out.flush();
    }
}
