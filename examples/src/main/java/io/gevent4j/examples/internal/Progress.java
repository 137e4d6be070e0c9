package io.gevent4j.examples.internal;

import java.io.Console;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a running tool shows: on a terminal, one live progress bar per task (files done, bytes, rate,
 * ETA), redrawn in place, with messages printed above the bars; elsewhere (a pipe, a log file, CI)
 * plain log lines, one per finished file, so that nothing is lost in a log.
 *
 * <p>Several tasks may share one board (the demo runs the image and the video downloader at once);
 * every method is safe to call from any greenlet or thread.
 */
public final class Progress {
    private static final int BAR_WIDTH = 20;
    private static final long REDRAW_NANOS = 100_000_000L;

    /** How progress is shown. */
    public enum Mode {
        /** A live bar per task, redrawn in place (needs a terminal). */
        BAR,
        /** One log line per finished file, and every 10% of a large file. */
        LINES,
        /** Only warnings (failures, retries give-ups). */
        QUIET;

        /**
         * Parses the {@code --progress} option.
         *
         * @param value {@code auto}, {@code bar}, {@code lines} or {@code none}
         * @return the mode; {@code auto} is BAR on a terminal, else LINES
         * @throws IllegalArgumentException for another value
         */
        public static Mode parse(String value) {
            return switch (value.toLowerCase(Locale.ROOT)) {
                case "auto" -> isTerminal() ? BAR : LINES;
                case "bar" -> BAR;
                case "lines" -> LINES;
                case "none", "quiet" -> QUIET;
                default -> throw new IllegalArgumentException("--progress must be auto, bar, lines or none, not '" + value + "'");
            };
        }
    }

    /**
     * Whether the program talks to a terminal (a progress bar makes sense).
     *
     * @return true if {@link System#console()} is an interactive terminal
     */
    public static boolean isTerminal() {
        Console console = System.console();
        return console != null && console.isTerminal();
    }

    private final PrintStream out;
    private final Mode mode;
    private final List<Bar> bars = new ArrayList<>();
    private int drawn;
    private long lastDraw;

    /**
     * Creates a board.
     *
     * @param out where it prints (standard error for the tools)
     * @param mode how
     */
    public Progress(PrintStream out, Mode mode) {
        this.out = out;
        this.mode = mode;
    }

    /**
     * Returns how progress is shown.
     *
     * @return how progress is shown
     */
    public Mode mode() {
        return mode;
    }

    /**
     * Adds a task.
     *
     * @param label a short name shown at the left, e.g. {@code images}
     * @param unit what is counted, plural, e.g. {@code files}
     * @param totalUnits how many there are, or 0 if not known yet
     * @return its bar
     */
    public synchronized Bar bar(String label, String unit, long totalUnits) {
        Bar bar = new Bar(label, unit, totalUnits);
        bars.add(bar);
        redraw(true);
        return bar;
    }

    /**
     * Prints an informational line (not in {@link Mode#QUIET}).
     *
     * @param line the text
     */
    public synchronized void info(String line) {
        if (mode != Mode.QUIET) {
            print(line);
        }
    }

    /**
     * Prints a warning, in every mode.
     *
     * @param line the text
     */
    public synchronized void warn(String line) {
        print(line);
    }

    /**
     * Prints a line of the tool's output (a JSON line of the crawler) on {@code target}, in every
     * mode; on a terminal the bars are cleared first and redrawn after, so that the two do not mix.
     *
     * @param target the output stream
     * @param line the line
     */
    public synchronized void emit(PrintStream target, String line) {
        if (mode == Mode.BAR && drawn > 0) {
            StringBuilder b = new StringBuilder();
            moveToTop(b);
            out.print(b.append("\033[J"));
            out.flush();
            drawn = 0;
            target.println(line);
            target.flush();
            redraw(true);
        } else {
            target.println(line);
            target.flush();
        }
    }

    /**
     * Returns a retry listener for {@link Http} that tells the user about each retry.
     *
     * @return a retry listener for {@link Http} that tells the user about each retry
     */
    public Http.RetryListener retryListener() {
        return (uri, retry, of, reason, delay) -> info(String.format(Locale.ROOT, "retry %d/%d in %.1f s: %s: %s",
                retry, of, delay.toMillis() / 1000.0, uri, reason));
    }

    /** Draws the bars a last time and leaves the cursor below them. */
    public synchronized void close() {
        if (mode == Mode.BAR && drawn > 0) {
            redraw(true);
            out.print('\n');
            out.flush();
            drawn = 0;
        }
        bars.clear();
    }

    private void print(String line) {
        if (mode == Mode.BAR && drawn > 0) {
            StringBuilder b = new StringBuilder();
            moveToTop(b);
            b.append("\033[J").append(line).append('\n');
            out.print(b);
            drawn = 0;
            redraw(true);
        } else {
            out.println(line);
        }
        out.flush();
    }

    private void moveToTop(StringBuilder b) {
        b.append('\r');
        if (drawn > 1) {
            b.append("\033[").append(drawn - 1).append('A');
        }
    }

    private void redraw(boolean force) {
        if (mode != Mode.BAR || bars.isEmpty()) {
            return;
        }
        long now = System.nanoTime();
        if (!force && now - lastDraw < REDRAW_NANOS) {
            return;
        }
        lastDraw = now;
        StringBuilder b = new StringBuilder(100 * bars.size());
        if (drawn > 0) {
            moveToTop(b);
        }
        for (int i = 0; i < bars.size(); i++) {
            b.append('\r').append(bars.get(i).render(now)).append("\033[K");
            if (i < bars.size() - 1) {
                b.append('\n');
            }
        }
        drawn = bars.size();
        out.print(b);
        out.flush();
    }

    /** The progress of one task. Every method is safe to call from any greenlet or thread. */
    public final class Bar {
        private final String label;
        private final String unit;
        private final long start = System.nanoTime();
        private long totalUnits;
        private long doneUnits;
        private long skippedUnits;
        private long failedUnits;
        private long bytes;
        private long resumedBytes;
        private long expectedBytes = -1;
        private int loggedTenth;
        private long finishedAt;

        private Bar(String label, String unit, long totalUnits) {
            this.label = label;
            this.unit = unit;
            this.totalUnits = totalUnits;
        }

        /**
         * Sets how many units there are, once known.
         *
         * @param units the total
         */
        public void total(long units) {
            synchronized (Progress.this) {
                totalUnits = units;
                redraw(false);
            }
        }

        /**
         * Turns the bar into a byte bar: its fraction and ETA follow bytes, not units.
         *
         * @param total the size of the whole download
         * @param alreadyHave bytes already on disk from an earlier run (not counted in the rate)
         */
        public void expectBytes(long total, long alreadyHave) {
            synchronized (Progress.this) {
                expectedBytes = total;
                resumedBytes = alreadyHave;
                redraw(false);
            }
        }

        /**
         * Counts bytes received.
         *
         * @param n how many
         */
        public void bytes(long n) {
            synchronized (Progress.this) {
                bytes += n;
                if (mode == Mode.LINES && expectedBytes > 0) {
                    int tenth = (int) ((bytes + resumedBytes) * 10 / expectedBytes);
                    if (tenth > loggedTenth && tenth < 10) {
                        loggedTenth = tenth;
                        print(label + ": " + tenth * 10 + "% (" + Units.bytes(bytes + resumedBytes) + " of "
                                + Units.bytes(expectedBytes) + ", " + Units.rate(rate(System.nanoTime())) + ")");
                    }
                }
                redraw(false);
            }
        }

        /**
         * Counts a unit done.
         *
         * @param line what was done, printed in {@link Mode#LINES}
         */
        public void done(String line) {
            synchronized (Progress.this) {
                doneUnits++;
                unitLine("ok", line);
            }
        }

        /**
         * Counts a unit skipped (already complete).
         *
         * @param line what was skipped, printed in {@link Mode#LINES}
         */
        public void skipped(String line) {
            synchronized (Progress.this) {
                skippedUnits++;
                unitLine("skip", line);
            }
        }

        /**
         * Counts a unit failed.
         *
         * @param line what failed and why, printed in every mode
         */
        public void failed(String line) {
            synchronized (Progress.this) {
                failedUnits++;
                print(label + ": FAILED " + line);
                redraw(false);
            }
        }

        private void unitLine(String what, String line) {
            if (mode == Mode.LINES) {
                long finished = doneUnits + skippedUnits + failedUnits;
                print(label + " [" + finished + (totalUnits > 0 ? "/" + totalUnits : "") + "] " + what + " " + line);
            } else {
                redraw(false);
            }
        }

        /** Marks the task finished: the bar shows its total time instead of an ETA. */
        public void finish() {
            synchronized (Progress.this) {
                if (finishedAt == 0) {
                    finishedAt = System.nanoTime();
                }
                redraw(true);
            }
        }

        private double rate(long now) {
            double seconds = Math.max(1e-3, ((finishedAt != 0 ? finishedAt : now) - start) / 1e9);
            return bytes / seconds;
        }

        private double fraction() {
            if (expectedBytes > 0) {
                return Math.min(1.0, (double) (bytes + resumedBytes) / expectedBytes);
            }
            if (totalUnits > 0) {
                return Math.min(1.0, (double) (doneUnits + skippedUnits + failedUnits) / totalUnits);
            }
            return 0;
        }

        String render(long now) {
            double f = fraction();
            int filled = (int) Math.round(f * BAR_WIDTH);
            StringBuilder b = new StringBuilder(100);
            b.append(String.format(Locale.ROOT, "%-8.8s ", label));
            b.append('[').append("#".repeat(filled)).append(".".repeat(BAR_WIDTH - filled)).append("] ");
            if (expectedBytes > 0) {
                b.append(Units.bytes(bytes + resumedBytes)).append('/').append(Units.bytes(expectedBytes));
            } else {
                b.append(doneUnits + skippedUnits).append('/').append(totalUnits > 0 ? String.valueOf(totalUnits) : "?")
                        .append(' ').append(unit).append("  ").append(Units.bytes(bytes));
            }
            if (failedUnits > 0) {
                b.append("  ").append(failedUnits).append(" failed");
            }
            b.append("  ").append(Units.rate(rate(now)));
            if (finishedAt != 0) {
                b.append("  done in ").append(Units.seconds(java.time.Duration.ofNanos(finishedAt - start)));
            } else {
                double elapsed = (now - start) / 1e9;
                double eta;
                if (expectedBytes > 0) {
                    double r = rate(now);
                    eta = r > 0 ? (expectedBytes - bytes - resumedBytes) / r : Double.NaN;
                } else {
                    eta = f > 0 ? elapsed * (1 - f) / f : Double.NaN;
                }
                b.append("  ETA ").append(Units.eta(eta));
            }
            return b.toString();
        }
    }
}
